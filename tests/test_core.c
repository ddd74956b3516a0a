/* tests/test_core.c: the core plumbing: text matrices, safetensors (round trip and every
 * malformation the reader must reject), models (load/save/shape checks), the option parser. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/args.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/safetensors.h"
#include "core/tsv.h"
#include "core/model.h"
#include "tests/harness.h"
#include "tests/scratch.h"


/* Writes a raw safetensors file: header JSON as given, then `data_len` bytes of data. */
static void write_st(const char *name, const char *header, size_t data_len, uint64_t hlen_override)
{
    FILE *f = fopen(path_in(name), "wb");
    uint64_t hlen = hlen_override ? hlen_override : strlen(header);
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)(hlen >> (8 * i));
    fwrite(len8, 1, 8, f);
    fputs(header, f);
    for (size_t i = 0; i < data_len; i++) fputc(0, f);
    fclose(f);
}

static int read_fails(const char *name, const char *needle)
{
    srm_tensors *ts = NULL;
    srm_error_clear();
    int rc = srm_safetensors_read(path_in(name), &ts);
    srm_tensors_free(ts);
    return rc == SRM_EINVAL && strstr(srm_error_message(), needle) != NULL;
}

static void test_matrix(void)
{
    srm_matrix *m = NULL;
    write_text("ok.txt", "# comment\n1 2 3\n\n  4 5 6 # trailing\n");
    int rc = srm_matrix_read(path_in("ok.txt"), &m);
    CHECK(rc == SRM_OK && m && m->rows == 2 && m->cols == 3 && m->data[5] == 6.0,
          "text matrix with comments and blank lines reads as 2x3");
    if (m) {
        CHECK(srm_matrix_write(path_in("out.txt"), m, "a header") == SRM_OK, "matrix writes");
        srm_matrix *back = NULL;
        rc = srm_matrix_read(path_in("out.txt"), &back);
        CHECK(rc == SRM_OK && back->rows == 2 && memcmp(back->data, m->data, 6 * sizeof(double)) == 0,
              "written matrix reads back bit for bit (17 digits)");
        srm_matrix_free(back);
    }
    srm_matrix_free(m);
    static const struct {
        const char *text, *needle;
    } bad[] = {{"1 2\n3\n", ":2: ragged row"},     {"1 x\n", ":1: 'x' is not a number"},
               {"1 nan\n", ":1: 'nan' is not finite"}, {"inf 1\n", ":1: 'inf' is not finite"},
               {"# only a comment\n\n", "empty matrix"}, {"", "empty matrix"},
               {"1 2\n3 4e999\n", ":2: '4e999' is not finite"}, {"1,2\n", "not a number"},
               {"1 1e-400\n", ":1: '1e-400' underflows to 0"}, {"0x10 1\n", ":1: '0x10' is not a number"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text("bad.txt", bad[i].text);
        srm_error_clear();
        m = NULL;
        rc = srm_matrix_read(path_in("bad.txt"), &m);
        CHECK(rc == SRM_EINVAL && !m && strstr(srm_error_message(), bad[i].needle),
              "bad matrix %zu rejected with '%s' (got '%s')", i, bad[i].needle,
              srm_error_message());
    }
    rc = srm_matrix_read(path_in("missing.txt"), &m);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "missing.txt"), "missing file named: %s",
          srm_error_message());
}

static void test_safetensors(void)
{
    double a[6] = {1, -2, 3.5, 4, 5, 1e-300}, b[2] = {7, 8};
    size_t sa[2] = {2, 3}, sb[1] = {2};
    srm_tensors *ts = srm_tensors_alloc();
    srm_tensors_add_view(ts, "a", 2, sa, a);
    srm_tensors_add_view(ts, "b", 1, sb, b);
    srm_tensors_set_meta(ts, "cell", "lstm");
    CHECK(srm_safetensors_write(path_in("rt.safetensors"), ts) == SRM_OK, "safetensors writes");
    srm_tensors_free(ts);
    ts = NULL;
    int rc = srm_safetensors_read(path_in("rt.safetensors"), &ts);
    const srm_tensor *ta = ts ? srm_tensors_find(ts, "a") : NULL;
    CHECK(rc == SRM_OK && ta && ta->ndim == 2 && ta->shape[1] == 3 &&
              memcmp(ta->data, a, sizeof a) == 0 && strcmp(srm_tensors_meta(ts, "cell"), "lstm") == 0,
          "safetensors round trip is exact, metadata kept");
    srm_tensors_free(ts);

    /* F32 data is converted exactly to double. */
    FILE *f = fopen(path_in("f32.safetensors"), "wb");
    const char *h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    uint64_t hl = strlen(h);
    fwrite(&hl, 8, 1, f);
    fputs(h, f);
    float fv[2] = {0.1f, -3.0f};
    fwrite(fv, 4, 2, f);
    fclose(f);
    ts = NULL;
    rc = srm_safetensors_read(path_in("f32.safetensors"), &ts);
    CHECK(rc == SRM_OK && ts->tensors[0].data[0] == (double)0.1f && ts->tensors[0].data[1] == -3.0,
          "F32 tensors read and widen exactly");
    srm_tensors_free(ts);

    const char *one = "{\"x\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
    FILE *g = fopen(path_in("tiny.safetensors"), "wb");
    fputs("abc", g);
    fclose(g);
    CHECK(read_fails("tiny.safetensors", "truncated"), "file shorter than 8 bytes rejected");
    write_st("hlen.safetensors", one, 16, 1000);
    CHECK(read_fails("hlen.safetensors", "past the end"), "header length past the end rejected");
    write_st("trunc.safetensors", one, 8, 0);
    CHECK(read_fails("trunc.safetensors", "out of range"), "truncated data rejected");
    write_st("json.safetensors", "{\"x\": [", 0, 0);
    CHECK(read_fails("json.safetensors", "JSON"), "broken header JSON rejected");
    write_st("dtype.safetensors",
             "{\"x\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, 0);
    CHECK(read_fails("dtype.safetensors", "not supported"), "unsupported dtype rejected");
    write_st("shape.safetensors",
             "{\"x\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, 0);
    CHECK(read_fails("shape.safetensors", "bytes for"), "shape/byte-count mismatch rejected");
    write_st("overlap.safetensors",
             "{\"x\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
             "\"y\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[8,24]}}", 24, 0);
    CHECK(read_fails("overlap.safetensors", "overlap"), "overlapping offsets rejected");
    write_st("neg.safetensors",
             "{\"x\":{\"dtype\":\"F64\",\"shape\":[-2],\"data_offsets\":[0,16]}}", 16, 0);
    CHECK(read_fails("neg.safetensors", "bad shape"), "negative shape rejected");
    write_st("rev.safetensors",
             "{\"x\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[16,8]}}", 16, 0);
    CHECK(read_fails("rev.safetensors", "out of range"), "reversed offsets rejected");
    write_st("meta.safetensors", "{\"__metadata__\":{\"cell\":3}}", 0, 0);
    CHECK(read_fails("meta.safetensors", "not a string"), "non-string metadata rejected");
    write_st("dup.safetensors",
             "{\"x\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
             "\"x\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}}", 16, 0);
    CHECK(read_fails("dup.safetensors", "JSON"), "duplicate tensor names rejected");
}

static void test_model(void)
{
    srm_model *m = srm_model_alloc(SRM_CELL_LSTM, 3, 2, 1, 0);
    for (size_t i = 0; i < m->nparam; i++) m->w[i] = sin(1.0 + (double)i);
    CHECK(m->nparam == 12 * 2 + 12 * 3 + 24 + 3 + 1, "LSTM parameter count (%zu)", m->nparam);
    CHECK(srm_model_save(path_in("m.safetensors"), m) == SRM_OK, "model saves");
    srm_model *back = NULL;
    int rc = srm_model_load(path_in("m.safetensors"), &back);
    CHECK(rc == SRM_OK && back->cell == SRM_CELL_LSTM && back->hidden == 3 && back->input == 2 &&
              back->output == 1 && srm_model_distance(m, back) == 0.0,
          "model round trip is exact");
    srm_model *g = srm_model_alloc_like(m);
    CHECK_CLOSE(srm_model_distance(m, g), sqrt(({
                    double s = 0;
                    for (size_t i = 0; i < m->nparam; i++) s += m->w[i] * m->w[i];
                    s;
                })), 1e-15, "distance to zero equals the parameter norm");
    srm_model_free(g);

    /* One LSTM step by hand for unit 0 against srm_cell_step. */
    double s[6] = {0.3, -0.2, 0.1, 0.5, -0.4, 0.2}, x[2] = {0.7, -1.1}, out[6], work[12];
    srm_cell_step(m, s, x, out, work);
    double pre[4];
    for (int gate = 0; gate < 4; gate++) {
        size_t r = (size_t)gate * 3;
        pre[gate] = m->bias_ih[r] + m->bias_hh[r];
        for (int j = 0; j < 2; j++) pre[gate] += m->weight_ih[r * 2 + j] * x[j];
        for (int j = 0; j < 3; j++) pre[gate] += m->weight_hh[r * 3 + j] * s[3 + j];
    }
    double si = 1 / (1 + exp(-pre[0])), sf = 1 / (1 + exp(-pre[1])), so = 1 / (1 + exp(-pre[3]));
    double c = sf * s[0] + si * tanh(pre[2]);
    CHECK_CLOSE(out[0], c, 1e-15, "LSTM step: c' = f c + i z");
    CHECK_CLOSE(out[3], so * tanh(c), 1e-15, "LSTM step: h' = o tanh(c')");
    srm_model_free(back);

    /* Shape and name errors name the file and tensor. */
    srm_tensors *ts = srm_tensors_alloc();
    size_t shh[2] = {12, 3}, sih[2] = {12, 2}, sb[1] = {12}, sbad[1] = {11};
    srm_tensors_add_view(ts, "rnn.weight_hh_l0", 2, shh, m->weight_hh);
    srm_tensors_add_view(ts, "rnn.weight_ih_l0", 2, sih, m->weight_ih);
    srm_tensors_add_view(ts, "rnn.bias_ih_l0", 1, sb, m->bias_ih);
    srm_tensors_set_meta(ts, "cell", "lstm");
    srm_safetensors_write(path_in("missing.safetensors"), ts);
    srm_tensors_add_view(ts, "rnn.bias_hh_l0", 1, sbad, m->bias_hh);
    srm_safetensors_write(path_in("badshape.safetensors"), ts);
    srm_tensors_set_meta(ts, "cell", "gru");
    srm_safetensors_write(path_in("badcell.safetensors"), ts);
    srm_tensors_free(ts);
    back = NULL;
    rc = srm_model_load(path_in("missing.safetensors"), &back);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "missing tensor 'rnn.bias_hh_l0'"),
          "missing tensor named: %s", srm_error_message());
    rc = srm_model_load(path_in("badshape.safetensors"), &back);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "'rnn.bias_hh_l0' has the wrong shape"),
          "wrong shape named: %s", srm_error_message());
    rc = srm_model_load(path_in("badcell.safetensors"), &back);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "gru"), "unknown cell named: %s",
          srm_error_message());
    srm_model_free(m);
}

static void test_args(void)
{
    double lambda = 0.9;
    long k = 3;
    int json = 0;
    const char *out = NULL;
    const srm_arg args[] = {{"lambda", SRM_ARG_DOUBLE, &lambda, "L", "lambda", NULL},
                            {"k", SRM_ARG_LONG, &k, "K", "k", NULL},
                            {"json", SRM_ARG_FLAG, &json, NULL, "json", NULL},
                            {"out", SRM_ARG_STRING, &out, "F", "out", NULL},
                            {NULL, 0, NULL, NULL, NULL, NULL}};
    srm_args_spec spec = {"srm t [options] FILE", "test", args, 1, 1};
    const char *pos[1];
    size_t np = 0;
    char *ok_argv[] = {"t", "--lambda=0.5", "--k", "7", "--json", "file", "--out", "o"};
    int rc = srm_args_parse(&spec, 8, ok_argv, pos, &np);
    CHECK(rc == SRM_OK && lambda == 0.5 && k == 7 && json && np == 1 && strcmp(out, "o") == 0,
          "options and positional arguments parse");
    char *bad1[] = {"t", "--lambda", "0.5x", "f"};
    CHECK(srm_args_parse(&spec, 4, bad1, pos, &np) == SRM_EINVAL, "trailing junk in a number");
    char *bad2[] = {"t", "--lambda", "nan", "f"};
    CHECK(srm_args_parse(&spec, 4, bad2, pos, &np) == SRM_EINVAL, "NaN option rejected");
    char *bad3[] = {"t", "--nope", "f"};
    CHECK(srm_args_parse(&spec, 3, bad3, pos, &np) == SRM_EINVAL, "unknown option rejected");
    char *bad4[] = {"t"};
    CHECK(srm_args_parse(&spec, 1, bad4, pos, &np) == SRM_EINVAL, "missing positional rejected");
    char *bad5[] = {"t", "f", "--k"};
    CHECK(srm_args_parse(&spec, 3, bad5, pos, &np) == SRM_EINVAL, "missing value rejected");
    long list[8];
    size_t nl;
    rc = srm_args_parse_long_list("ks", "1,2,16", list, 8, &nl);
    CHECK(rc == SRM_OK && nl == 3 && list[2] == 16, "integer list parses");
    CHECK(srm_args_parse_long_list("ks", "1,,2", list, 8, &nl) == SRM_EINVAL &&
              srm_args_parse_long_list("ks", "1,0", list, 8, &nl) == SRM_EINVAL &&
              srm_args_parse_long_list("ks", "1,2,", list, 8, &nl) == SRM_EINVAL,
          "bad integer lists rejected");
}

static void test_tsv(void)
{
    write_text("ok.tsv", "# srm 0.1.0\n# command: x\nk\tgap\n1\t0.5\n2\tnan\n");
    srm_tsv *t = NULL;
    int rc = srm_tsv_read(path_in("ok.tsv"), &t);
    CHECK(rc == SRM_OK && t->rows == 2 && t->cols == 2 && t->ncomments == 2 &&
              srm_tsv_column(t, "gap") == 1 && srm_tsv_get(t, 0, 1) == 0.5 &&
              isnan(srm_tsv_get(t, 1, 1)) && srm_tsv_column(t, "nope") == -1,
          "TSV reads by column name, keeps comments, accepts nan");
    srm_tsv_free(t);
    write_text("bad.tsv", "k\tgap\n1\t0.5\n2\n");
    rc = srm_tsv_read(path_in("bad.tsv"), &t);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "bad.tsv:3:"), "short TSV row named: %s",
          srm_error_message());
    write_text("bad2.tsv", "k\tgap\n1\t0.5x\n");
    rc = srm_tsv_read(path_in("bad2.tsv"), &t);
    CHECK(rc == SRM_EINVAL && strstr(srm_error_message(), "bad2.tsv:2:"), "non-number TSV cell named");
}

int main(void)
{
    if (!scratch_open("srm-test-core")) return 1;
    test_matrix();
    test_safetensors();
    test_model();
    test_args();
    test_tsv();
    scratch_close();
    return srm_test_finish();
}
