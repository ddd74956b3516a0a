/* tests/test_layout.c: safetensors dtypes (F16, BF16, integers kept as bytes, rounding and ulp
 * steps) and the PyTorch layout reader core/layout.h (prefixes, stacks, directions, cells from
 * shapes, metadata that disagrees, errors naming what was found and expected). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "sim/project_store.h"
#include "theory/project.h"
#include "theory/stability.h"
#include "tests/harness.h"
#include "tests/scratch.h"

static void test_dtypes(void)
{
    /* F16: 1 + 2^-10 is the next value after 1; 1 + 2^-11 is a tie and rounds to even (1). */
    CHECK(srm_dtype_round(SRM_DTYPE_F16, 1 + ldexp(1, -10)) == 1 + ldexp(1, -10) &&
              srm_dtype_round(SRM_DTYPE_F16, 1 + ldexp(1, -11)) == 1.0 &&
              srm_dtype_round(SRM_DTYPE_F16, 1 + 3 * ldexp(1, -11)) == 1 + ldexp(1, -9),
          "F16 rounds to nearest, ties to even");
    /* BF16 has 8 significant bits: 1 + 2^-7 exact, 1 + 2^-8 a tie (to 1), and a value just above
     * the tie rounds up although rounding through float first would land on the tie. */
    double above_tie = 1 + ldexp(1, -8) + ldexp(1, -40);
    CHECK(srm_dtype_round(SRM_DTYPE_BF16, 1 + ldexp(1, -7)) == 1 + ldexp(1, -7) &&
              srm_dtype_round(SRM_DTYPE_BF16, 1 + ldexp(1, -8)) == 1.0 &&
              srm_dtype_round(SRM_DTYPE_BF16, above_tie) == 1 + ldexp(1, -7),
          "BF16 rounds to nearest from double, without double rounding");
    CHECK(srm_dtype_round(SRM_DTYPE_BF16, -0.3) == -srm_dtype_round(SRM_DTYPE_BF16, 0.3) &&
              srm_dtype_round(SRM_DTYPE_F32, 0.1) == (double)0.1f,
          "rounding is symmetric; F32 is the float cast");
    double one = 1.0;
    CHECK(srm_dtype_toward_zero(SRM_DTYPE_F16, one) == 1 - ldexp(1, -11) &&
              srm_dtype_toward_zero(SRM_DTYPE_BF16, -one) == -(1 - ldexp(1, -8)) &&
              srm_dtype_toward_zero(SRM_DTYPE_F32, one) == 1 - ldexp(1, -24) &&
              srm_dtype_toward_zero(SRM_DTYPE_F64, one) == 1 - ldexp(1, -53) &&
              srm_dtype_toward_zero(SRM_DTYPE_F16, 0.0) == 0.0,
          "one ulp toward zero in every dtype");

    /* A file with F16, BF16 and I64 tensors: values widen exactly, the integer tensor is kept as
     * bytes, and writing it back unchanged gives the same bytes. */
    const char *h = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                    "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                    "\"n\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
    unsigned char data[16] = {0x00, 0x3c, 0x00, 0xc0,  /* F16 1, -2 */
                              0x80, 0x3f, 0x40, 0x40,  /* BF16 1, 3 */
                              7, 0, 0, 0, 0, 0, 0, 0}; /* I64 7 */
    FILE *f = fopen(path_in("mixed.safetensors"), "wb");
    uint64_t hl = strlen(h);
    fwrite(&hl, 8, 1, f);
    fputs(h, f);
    fwrite(data, 1, sizeof data, f);
    fclose(f);
    srm_tensors *ts = NULL;
    int rc = srm_safetensors_read(path_in("mixed.safetensors"), &ts);
    const srm_tensor *a = rc == SRM_OK ? srm_tensors_find(ts, "a") : NULL;
    const srm_tensor *b = rc == SRM_OK ? srm_tensors_find(ts, "b") : NULL;
    const srm_tensor *n = rc == SRM_OK ? srm_tensors_find(ts, "n") : NULL;
    CHECK(a && b && n && a->data[0] == 1 && a->data[1] == -2 && b->data[0] == 1 &&
              b->data[1] == 3 && !n->data && n->raw_bytes == 8 && strcmp(n->dtype_name, "I64") == 0,
          "F16 and BF16 widen exactly; I64 kept as bytes");
    CHECK(rc == SRM_OK && srm_safetensors_write(path_in("mixed2.safetensors"), ts) == SRM_OK,
          "a file read is written back");
    srm_tensors *back = NULL;
    rc = srm_safetensors_read(path_in("mixed2.safetensors"), &back);
    const srm_tensor *b2 = rc == SRM_OK ? srm_tensors_find(back, "b") : NULL;
    const srm_tensor *n2 = rc == SRM_OK ? srm_tensors_find(back, "n") : NULL;
    CHECK(b2 && n2 && b2->dtype == SRM_DTYPE_BF16 && memcmp(b2->raw, data + 4, 4) == 0 &&
              memcmp(n2->raw, data + 8, 8) == 0,
          "unchanged tensors keep dtype and bytes");
    srm_tensor *bm = ts ? srm_tensors_find_mutable(ts, "b") : NULL;
    if (bm) {
        bm->data[1] = 0.3;
        srm_tensor_changed(bm);
    }
    srm_tensors_free(back);
    back = NULL;
    rc = bm ? srm_safetensors_write(path_in("mixed3.safetensors"), ts) : SRM_EINVAL;
    if (rc == SRM_OK) rc = srm_safetensors_read(path_in("mixed3.safetensors"), &back);
    b2 = rc == SRM_OK ? srm_tensors_find(back, "b") : NULL;
    CHECK(b2 && b2->dtype == SRM_DTYPE_BF16 && b2->data[1] == srm_dtype_round(SRM_DTYPE_BF16, 0.3),
          "a changed tensor is written in its dtype, rounded to nearest");
    srm_tensors_free(back);
    srm_tensors_free(ts);
}

/* A state dict of `layers` layers of an nn.RNN/LSTM-shaped module (G gates, hidden n, input d),
 * both directions when `bidir`, under `prefix`; weights from `w` (enough for any tensor). */
static srm_tensors *state_dict(const char *prefix, size_t G, size_t n, size_t d, size_t layers,
                               int bidir, int bias, double *w)
{
    srm_tensors *ts = srm_tensors_alloc();
    for (size_t l = 0; l < layers; l++)
        for (int r = 0; r <= bidir; r++) {
            char name[128];
            const char *rev = r ? "_reverse" : "";
            size_t ih[2] = {G * n, l ? n * (size_t)(1 + bidir) : d}, hh[2] = {G * n, n};
            size_t b[1] = {G * n};
            snprintf(name, sizeof name, "%sweight_ih_l%zu%s", prefix, l, rev);
            srm_tensors_add_view(ts, name, 2, ih, w);
            snprintf(name, sizeof name, "%sweight_hh_l%zu%s", prefix, l, rev);
            srm_tensors_add_view(ts, name, 2, hh, w);
            if (!bias) continue;
            snprintf(name, sizeof name, "%sbias_ih_l%zu%s", prefix, l, rev);
            srm_tensors_add_view(ts, name, 1, b, w);
            snprintf(name, sizeof name, "%sbias_hh_l%zu%s", prefix, l, rev);
            srm_tensors_add_view(ts, name, 1, b, w);
        }
    return ts;
}

static int layout_fails(srm_tensors *ts, const srm_layout_options *opt, const char *needle)
{
    srm_layout lay;
    srm_error_clear();
    int rc = srm_layout_find("f.safetensors", ts, opt, &lay);
    int ok = rc == SRM_EINVAL && strstr(srm_error_message(), needle) &&
             strstr(srm_error_message(), "f.safetensors");
    if (!ok) printf("  got: %s\n", srm_error_message());
    return ok;
}

static void test_layouts(void)
{
    static double w[4096];
    for (size_t i = 0; i < 4096; i++) w[i] = 0.01 * sin((double)i);
    srm_layout lay;
    srm_tensors *ts = state_dict("encoder.lstm.", 4, 3, 2, 3, 1, 1, w);
    size_t se[2] = {5, 2};
    srm_tensors_add_view(ts, "encoder.embedding.weight", 2, se, w);
    int rc = srm_layout_find("f.safetensors", ts, NULL, &lay);
    CHECK(rc == SRM_OK && lay.cell == SRM_CELL_LSTM && lay.layers == 3 && lay.directions == 2 &&
              lay.units == 6 && lay.hidden == 3 && lay.unit[2].input == 6 && lay.unit[3].reverse &&
              strcmp(lay.prefix, "encoder.lstm.") == 0 && lay.embedding &&
              strcmp(lay.cell_from, "shapes") == 0,
          "a 3-layer bidirectional LSTM under a nested prefix, with its embedding");
    srm_model *m = NULL;
    rc = srm_layout_unit_model("f.safetensors", &lay, 5, 0, &m);
    CHECK(rc == SRM_OK && m->input == 6 && m->weight_hh[1] == w[1], "a unit as a one-layer model");
    srm_model_free(m);
    srm_tensors_set_meta(ts, "cell", "rnn_tanh");
    CHECK(layout_fails(ts, NULL, "disagrees with the shapes"), "metadata against the shapes");
    srm_tensors_free(ts);

    ts = state_dict("", 1, 4, 3, 1, 0, 0, w);
    rc = srm_layout_find("f.safetensors", ts, NULL, &lay);
    CHECK(rc == SRM_OK && lay.cell == SRM_CELL_RNN_TANH && lay.units == 1 && !lay.unit[0].bias_ih,
          "no prefix, no biases: a tanh RNN");
    srm_layout_options relu = {NULL, "relu"};
    rc = srm_layout_find("f.safetensors", ts, &relu, &lay);
    CHECK(rc == SRM_OK && lay.cell == SRM_CELL_RNN_RELU, "--nonlinearity relu");
    srm_tensors_set_meta(ts, "cell", "linear");
    CHECK(layout_fails(ts, &relu, "disagrees with --nonlinearity"), "metadata against the flag");
    srm_tensors_free(ts);

    ts = state_dict("gru.", 3, 4, 3, 1, 0, 1, w);
    rc = srm_layout_find("f.safetensors", ts, NULL, &lay);
    CHECK(rc == SRM_OK && lay.gru && lay.gates == 3, "3n gate rows: a GRU");
    srm_tensors_free(ts);

    ts = state_dict("rnn.", 1, 4, 3, 2, 0, 1, w);
    size_t bad[2] = {4, 5};
    srm_tensors_add_view(ts, "rnn.weight_ih_l2", 2, bad, w);
    CHECK(layout_fails(ts, NULL, "missing tensor 'rnn.weight_hh_l2'"), "a gap in the layers");
    srm_tensors_free(ts);
    ts = state_dict("rnn.", 1, 4, 3, 2, 0, 1, w);
    srm_tensors *other = state_dict("head.", 1, 4, 3, 1, 0, 1, w);
    for (size_t i = 0; i < other->count; i++)
        srm_tensors_add_view(ts, other->tensors[i].name, other->tensors[i].ndim,
                             other->tensors[i].shape, w);
    srm_tensors_free(other);
    CHECK(layout_fails(ts, NULL, "--prefix chooses one"), "two recurrent modules");
    srm_layout_options pick = {"head.", NULL};
    rc = srm_layout_find("f.safetensors", ts, &pick, &lay);
    CHECK(rc == SRM_OK && lay.layers == 1, "--prefix picks one module");
    srm_tensors_free(ts);

    ts = srm_tensors_alloc();
    size_t s2[2] = {2, 2};
    srm_tensors_add_view(ts, "fc.weight", 2, s2, w);
    CHECK(layout_fails(ts, NULL, "tensors: fc.weight; expected nn.RNN/nn.LSTM/nn.GRU names"),
          "nothing recurrent: the names found and expected");
    srm_tensors_free(ts);
}

static int check_radius(const srm_model *m, void *ctx, int *ok)
{
    srm_rnn_stability s;
    SRM_TRY(srm_stability_rnn(m, &s));
    *ok = s.spectral_norm <= *(const double *)ctx;
    return SRM_OK;
}

/* An F32 RNN with ||W_hh||_2 = 2 beside an I64 tensor: projected at 0.9 and stored, the F32
 * matrix measures <= 0.9, the tensors it did not change keep their bytes. */
static void test_store(void)
{
    static double w[64];
    for (size_t i = 0; i < 64; i++) w[i] = sin(3.0 * (double)i + 1);
    srm_tensors *ts = state_dict("rnn.", 1, 6, 3, 1, 0, 1, w);
    for (size_t i = 0; i < ts->count; i++)
        srm_tensors_set_dtype(ts, ts->tensors[i].name, SRM_DTYPE_F32);
    srm_safetensors_write(path_in("f32.safetensors"), ts);
    srm_tensors_free(ts);
    srm_tensors *in = NULL, *back = NULL;
    srm_layout lay;
    srm_model *orig = NULL, *m = NULL;
    srm_store_result st = {0, 0};
    double radius = 0.9;
    int rc = srm_safetensors_read(path_in("f32.safetensors"), &in);
    if (rc == SRM_OK) rc = srm_layout_find("f32", in, NULL, &lay);
    if (rc == SRM_OK) rc = srm_layout_unit_model("f32", &lay, 0, 0, &orig);
    if (rc == SRM_OK) rc = srm_layout_unit_model("f32", &lay, 0, 0, &m);
    srm_project_result pr;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(6, 6);
    if (rc == SRM_OK)
        rc = srm_project_spectral(m->weight_hh, 6, 6, radius, SRM_NORM_METHOD_SVD, ws, NULL, NULL,
                                  &pr);
    srm_svd_workspace_free(ws);
    if (rc == SRM_OK) rc = srm_project_store(in, &lay, 0, orig, m, 0, check_radius, &radius, &st);
    if (rc == SRM_OK) rc = srm_safetensors_write(path_in("f32p.safetensors"), in);
    if (rc == SRM_OK) rc = srm_safetensors_read(path_in("f32p.safetensors"), &back);
    const srm_tensor *hh = rc == SRM_OK ? srm_tensors_find(back, "rnn.weight_hh_l0") : NULL;
    const srm_tensor *ih0 = rc == SRM_OK ? srm_tensors_find(in, "rnn.weight_ih_l0") : NULL;
    const srm_tensor *ih = rc == SRM_OK ? srm_tensors_find(back, "rnn.weight_ih_l0") : NULL;
    srm_model *stored = NULL;
    srm_layout lb;
    if (hh) rc = srm_layout_find("f32p", back, NULL, &lb);
    if (hh && rc == SRM_OK) rc = srm_layout_unit_model("f32p", &lb, 0, 0, &stored);
    srm_rnn_stability s = {0};
    if (stored) srm_stability_rnn(stored, &s);
    CHECK(stored && st.changed && hh->dtype == SRM_DTYPE_F32 && s.spectral_norm <= radius &&
              s.spectral_norm > radius - 1e-6,
          "F32 W_hh projected to 0.9 and stored in F32 measures %.9g <= 0.9 (%d ulps toward zero)",
          s.spectral_norm, st.ulps);
    CHECK(ih && ih0 && ih->dtype == SRM_DTYPE_F32 && ih->raw_bytes == ih0->raw_bytes &&
              memcmp(ih->raw, ih0->raw, ih->raw_bytes) == 0,
          "a tensor the projection did not change keeps its bytes");
    srm_model_free(stored);
    srm_model_free(orig);
    srm_model_free(m);
    srm_tensors_free(in);
    srm_tensors_free(back);
}

int main(void)
{
    if (!scratch_open("srm-test-layout")) return 1;
    test_dtypes();
    test_layouts();
    test_store();
    scratch_close();
    return srm_test_finish();
}
