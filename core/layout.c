/* core/layout.c: finds the recurrent layers of a PyTorch state dict by their names (layout.h). */
#include "core/layout.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define MAX_PREFIXES 8

/* If name is <prefix><key><digits>[_reverse], its prefix length, layer and direction. */
static int parse_key(const char *name, const char *key, size_t *prefix_len, size_t *layer,
                     int *reverse)
{
    const char *p = strstr(name, key), *last = NULL;
    for (; p; p = strstr(p + 1, key)) last = p;
    if (!last || (last != name && last[-1] != '.')) return 0;
    const char *d = last + strlen(key);
    if (!isdigit((unsigned char)*d)) return 0;
    size_t l = 0;
    for (; isdigit((unsigned char)*d); d++) {
        if (l > SRM_LAYOUT_MAX_LAYERS) return 0;
        l = 10 * l + (size_t)(*d - '0');
    }
    if (*d != '\0' && strcmp(d, "_reverse") != 0) return 0;
    *prefix_len = (size_t)(last - name);
    *layer = l;
    *reverse = *d != '\0';
    return 1;
}

/* The names found and expected, when no recurrent tensor matches. */
static int parse_hh(const char *name, size_t *prefix_len, size_t *layer, int *reverse)
{
    return parse_key(name, "weight_hh_l", prefix_len, layer, reverse);
}

/* Any of the four recurrent tensors of a layer. */
static int parse_any(const char *name, size_t *prefix_len, size_t *layer, int *reverse)
{
    static const char *const keys[] = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"};
    for (size_t k = 0; k < 4; k++)
        if (parse_key(name, keys[k], prefix_len, layer, reverse)) return 1;
    return 0;
}

static int no_layers(const char *path, const srm_tensors *ts, const char *prefix)
{
    char found[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < ts->count && used + 40 < sizeof found; i++)
        used += (size_t)snprintf(found + used, sizeof found - used, "%s%s", i ? ", " : "",
                                 ts->tensors[i].name);
    if (used + 40 >= sizeof found) snprintf(found + used, sizeof found - used, ", ...");
    return SRM_ERROR(SRM_EINVAL, "%s: no recurrent layer%s%s%s found; tensors: %s; expected "
                     "nn.RNN/nn.LSTM/nn.GRU names <prefix>weight_ih_l0, weight_hh_l0, "
                     "bias_ih_l0, bias_hh_l0 (prefix e.g. 'rnn.', or none)", path,
                     prefix ? " with prefix '" : "", prefix ? prefix : "", prefix ? "'" : "",
                     ts->count ? found : "(none)");
}

/* The module prefix: the one in the file, or opt's (which must exist). */
static int find_prefix(const char *path, const srm_tensors *ts, const char *want, char *out)
{
    char seen[MAX_PREFIXES][SRM_LAYOUT_NAME_MAX];
    size_t nseen = 0;
    for (size_t i = 0; i < ts->count; i++) {
        size_t len, layer;
        int rev;
        if (!parse_hh(ts->tensors[i].name, &len, &layer, &rev) || len >= SRM_LAYOUT_NAME_MAX)
            continue;
        char p[SRM_LAYOUT_NAME_MAX];
        memcpy(p, ts->tensors[i].name, len);
        p[len] = '\0';
        size_t j = 0;
        while (j < nseen && strcmp(seen[j], p) != 0) j++;
        if (j == nseen && nseen < MAX_PREFIXES) snprintf(seen[nseen++], sizeof seen[0], "%s", p);
    }
    /* srm's checkpoints hold the best model beside the current one under "best.": the
     * current one is the module unless --prefix asks for the other */
    for (size_t j = 0; !want && nseen > 1 && j < nseen; j++)
        if (strncmp(seen[j], "best.", 5) == 0) {
            memmove(seen[j], seen[nseen - 1], sizeof seen[0]);
            nseen--, j--;
        }
    size_t pick = 0;
    while (want && pick < nseen && strcmp(seen[pick], want) != 0) pick++;
    if (nseen == 0 || pick == nseen) return no_layers(path, ts, want);
    if (!want && nseen > 1)
        return SRM_ERROR(SRM_EINVAL, "%s: recurrent modules under prefixes '%s' and '%s'; "
                         "--prefix chooses one", path, seen[0], seen[1]);
    snprintf(out, SRM_LAYOUT_NAME_MAX, "%s", seen[pick]);
    return SRM_OK;
}

static const srm_tensor *tensor(const srm_tensors *ts, const srm_layout *lay, const char *what,
                                size_t layer, int reverse)
{
    char name[SRM_LAYOUT_NAME_MAX + 40];
    snprintf(name, sizeof name, "%s%s_l%zu%s", lay->prefix, what, layer,
             reverse ? "_reverse" : "");
    return srm_tensors_find(ts, name);
}

static int expect(const char *path, const srm_tensor *t, size_t ndim, size_t d0, size_t d1)
{
    if (!t->data)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has dtype %s, not a floating type", path,
                         t->name, t->dtype_name);
    if (t->ndim == ndim && t->shape[0] == d0 && (ndim == 1 || t->shape[1] == d1)) return SRM_OK;
    if (ndim == 1)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has the wrong shape (expected [%zu])", path,
                         t->name, d0);
    return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has the wrong shape (expected [%zu, %zu])",
                     path, t->name, d0, d1);
}

static int find_cell(const char *path, const srm_tensors *ts, const char *nonlin,
                     srm_layout *lay);

/* Unit (layer, reverse): presence and shapes; layer 0 fixes n, G and the cell. */
static int find_unit(const char *path, const srm_tensors *ts, srm_layout *lay, size_t layer,
                     int reverse, const char *nonlin)
{
    srm_layout_unit *u = &lay->unit[lay->units];
    *u = (srm_layout_unit){layer, reverse, 0, tensor(ts, lay, "weight_ih", layer, reverse),
                           tensor(ts, lay, "weight_hh", layer, reverse),
                           tensor(ts, lay, "bias_ih", layer, reverse),
                           tensor(ts, lay, "bias_hh", layer, reverse)};
    char name[SRM_LAYOUT_NAME_MAX + 40];
    if (!u->weight_hh || !u->weight_ih) {
        snprintf(name, sizeof name, "%s%s_l%zu%s", lay->prefix,
                 u->weight_hh ? "weight_ih" : "weight_hh", layer, reverse ? "_reverse" : "");
        return SRM_ERROR(SRM_EINVAL, "%s: missing tensor '%s'", path, name);
    }
    const srm_tensor *hh = u->weight_hh, *ih = u->weight_ih;
    if (hh->ndim != 2 || ih->ndim != 2)
        return SRM_ERROR(SRM_EINVAL, "%s: %s and %s must be matrices", path, hh->name, ih->name);
    if (lay->units == 0) {
        size_t n = hh->shape[1], g = n ? hh->shape[0] / n : 0;
        if (n == 0 || hh->shape[0] != g * n || (g != 1 && g != 3 && g != 4))
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has shape [%zu, %zu]; nn.RNN, nn.GRU and "
                             "nn.LSTM have [G*n, n] with G = 1, 3 or 4", path, hh->name,
                             hh->shape[0], hh->shape[1]);
        lay->hidden = n, lay->gates = g;
        SRM_TRY(find_cell(path, ts, nonlin, lay));
    }
    size_t n = lay->hidden, gn = lay->gates * n;
    SRM_TRY(expect(path, hh, 2, gn, n));
    if (layer > 0 && ih->shape[1] != n * lay->directions)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has %zu columns; layer %zu reads the %zu "
                         "outputs of layer %zu", path, ih->name, ih->shape[1], layer,
                         n * lay->directions, layer - 1);
    SRM_TRY(expect(path, ih, 2, gn, ih->shape[1]));
    if (ih->shape[1] == 0)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' has shape [%zu, 0]: no inputs", path,
                         ih->name, ih->shape[0]);
    u->input = ih->shape[1];
    if (!u->bias_ih != !u->bias_hh) {
        snprintf(name, sizeof name, "%s%s_l%zu%s", lay->prefix, u->bias_ih ? "bias_hh" : "bias_ih",
                 layer, reverse ? "_reverse" : "");
        return SRM_ERROR(SRM_EINVAL, "%s: missing tensor '%s' (%s present)", path, name,
                         u->bias_ih ? u->bias_ih->name : u->bias_hh->name);
    }
    if (u->bias_ih) SRM_TRY(expect(path, u->bias_ih, 1, gn, 0));
    if (u->bias_hh) SRM_TRY(expect(path, u->bias_hh, 1, gn, 0));
    lay->units++;
    return SRM_OK;
}

/* The cell from the gate count, checked against the metadata and the caller's nonlinearity. */
static int find_cell(const char *path, const srm_tensors *ts, const char *nonlin, srm_layout *lay)
{
    static const char *const shape_cell[] = {"", "rnn", "", "gru", "lstm"};
    const char *meta = srm_tensors_meta(ts, "cell"), *hh = lay->unit[0].weight_hh->name;
    size_t g = lay->gates;
    lay->gru = g == 3;
    lay->cell = g == 4 ? SRM_CELL_LSTM : SRM_CELL_RNN_TANH;
    lay->cell_from = "shapes";
    if (nonlin && g != 1)
        return SRM_ERROR(SRM_EINVAL, "%s: --nonlinearity applies to RNNs; '%s' has %zu*n rows, "
                         "a %s", path, hh, g, shape_cell[g]);
    srm_cell mc = SRM_CELL_RNN_TANH, oc = SRM_CELL_RNN_TANH;
    int meta_gru = meta && strcmp(meta, "gru") == 0;
    if (meta && !meta_gru && srm_cell_parse(meta, &mc) != SRM_OK)
        return srm_error_clear(), SRM_ERROR(SRM_EINVAL, "%s: __metadata__ cell '%s' is not "
                                            "rnn_tanh, rnn_relu, linear, lstm or gru", path, meta);
    size_t meta_g = meta_gru ? 3 : mc == SRM_CELL_LSTM ? 4 : 1;
    if (meta && meta_g != g)
        return SRM_ERROR(SRM_EINVAL, "%s: __metadata__ cell '%s' disagrees with the shapes: '%s' "
                         "has %zu*n rows, a %s", path, meta, hh, g, shape_cell[g]);
    if (nonlin && (srm_cell_parse(nonlin, &oc) != SRM_OK || oc == SRM_CELL_LSTM))
        return srm_error_clear(), SRM_ERROR(SRM_EINVAL, "--nonlinearity: expected tanh, relu or "
                                            "linear, got '%s'", nonlin);
    if (nonlin && meta && oc != mc)
        return SRM_ERROR(SRM_EINVAL, "%s: __metadata__ cell '%s' disagrees with --nonlinearity "
                         "%s", path, meta, nonlin);
    if (meta && !meta_gru) lay->cell = mc, lay->cell_from = "metadata";
    if (nonlin) lay->cell = oc, lay->cell_from = "--nonlinearity";
    return SRM_OK;
}

/* The embedding (first match, [V, d]) and srm's decoder. */
static int find_io(const char *path, const srm_tensors *ts, srm_layout *lay)
{
    static const char *const suffix[] = {"embedding.weight", "embeddings.weight", "embed.weight",
                                         "emb.weight"};
    size_t d = lay->unit[0].input, out = lay->hidden * lay->directions;
    const srm_tensor *e = srm_tensors_find(ts, SRM_TENSOR_ENCODER_WEIGHT);
    for (size_t i = 0; !e && i < ts->count; i++)
        for (size_t s = 0; s < sizeof suffix / sizeof suffix[0]; s++) {
            const char *name = ts->tensors[i].name;
            size_t ln = strlen(name), ls = strlen(suffix[s]);
            if (ln >= ls && strcmp(name + ln - ls, suffix[s]) == 0 &&
                (ln == ls || name[ln - ls - 1] == '.') && ts->tensors[i].ndim == 2 &&
                ts->tensors[i].shape[1] == d && ts->tensors[i].data)
                e = &ts->tensors[i];
        }
    if (e) SRM_TRY(expect(path, e, 2, e->shape[0], d));
    lay->embedding = e;
    const srm_tensor *dw = srm_tensors_find(ts, SRM_TENSOR_DECODER_WEIGHT);
    const srm_tensor *db = srm_tensors_find(ts, SRM_TENSOR_DECODER_BIAS);
    if (!dw != !db)
        return SRM_ERROR(SRM_EINVAL, "%s: missing tensor '%s' (%s present)", path,
                         dw ? SRM_TENSOR_DECODER_BIAS : SRM_TENSOR_DECODER_WEIGHT,
                         dw ? SRM_TENSOR_DECODER_WEIGHT : SRM_TENSOR_DECODER_BIAS);
    if (dw && dw->ndim != 2)
        return SRM_ERROR(SRM_EINVAL, "%s: %s must be a matrix", path, dw->name);
    if (dw) SRM_TRY(expect(path, dw, 2, dw->shape[0], out));
    if (db) SRM_TRY(expect(path, db, 1, dw->shape[0], 0));
    lay->decoder_weight = dw, lay->decoder_bias = db;
    return SRM_OK;
}

int srm_layout_find(const char *path, const srm_tensors *ts, const srm_layout_options *opt,
                    srm_layout *out)
{
    memset(out, 0, sizeof *out);
    SRM_TRY(find_prefix(path, ts, opt ? opt->prefix : NULL, out->prefix));
    size_t layers = 0, reverse = 0;
    for (size_t i = 0; i < ts->count; i++) {
        size_t len, layer;
        int rev;
        if (!parse_any(ts->tensors[i].name, &len, &layer, &rev) || len != strlen(out->prefix) ||
            strncmp(ts->tensors[i].name, out->prefix, len) != 0)
            continue;
        if (layer >= SRM_LAYOUT_MAX_LAYERS)
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': more than %d layers", path,
                             ts->tensors[i].name, SRM_LAYOUT_MAX_LAYERS);
        if (layer + 1 > layers) layers = layer + 1;
        reverse += (size_t)rev;
    }
    out->layers = layers;
    out->directions = reverse ? 2 : 1;
    if (tensor(ts, out, "weight_hr", 0, 0))
        return SRM_ERROR(SRM_EINVAL, "%s: '%sweight_hr_l0': LSTMs with proj_size are not "
                         "supported", path, out->prefix);
    for (size_t l = 0; l < layers; l++)
        for (int r = 0; r < (int)out->directions; r++)
            SRM_TRY(find_unit(path, ts, out, l, r, opt ? opt->nonlinearity : NULL));
    return find_io(path, ts, out);
}

double srm_layout_embedding_bound(const double *table, size_t count)
{
    double b = 0;
    for (size_t i = 0; i < count; i++) b = fmax(b, fabs(table[i]));
    return b;
}

static int copy_finite(const char *path, const srm_tensor *t, double *dst)
{
    for (size_t j = 0; j < t->size; j++)
        if (!isfinite(t->data[j]))
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s' holds a NaN or Inf at index %zu", path,
                             t->name, j);
    memcpy(dst, t->data, t->size * sizeof(double));
    return SRM_OK;
}

int srm_layout_unit_model(const char *path, const srm_layout *lay, size_t u, int flags,
                          srm_model **out)
{
    *out = NULL;
    const srm_layout_unit *un = &lay->unit[u];
    int io = flags & SRM_LAYOUT_IO;
    if (lay->gru && !(flags & SRM_LAYOUT_GRU))
        return SRM_ERROR(SRM_EINVAL, "%s: '%s' is a GRU layer (3*n gate rows), which this srm "
                         "does not model yet", path, un->weight_hh->name);
    const srm_tensor *dw = io ? lay->decoder_weight : NULL, *e = io ? lay->embedding : NULL;
    srm_cell cell = lay->gru ? SRM_CELL_GRU : lay->cell;
    srm_model *m = srm_model_alloc(cell, lay->hidden, un->input, dw ? dw->shape[0] : 0,
                                   e ? e->shape[0] : 0);
    if (!m) return srm_error_code();
    int rc = copy_finite(path, un->weight_ih, m->weight_ih);
    if (rc == SRM_OK) rc = copy_finite(path, un->weight_hh, m->weight_hh);
    if (rc == SRM_OK && un->bias_ih) rc = copy_finite(path, un->bias_ih, m->bias_ih);
    if (rc == SRM_OK && un->bias_hh) rc = copy_finite(path, un->bias_hh, m->bias_hh);
    if (rc == SRM_OK && dw) rc = copy_finite(path, dw, m->decoder_weight);
    if (rc == SRM_OK && dw) rc = copy_finite(path, lay->decoder_bias, m->decoder_bias);
    if (rc == SRM_OK && e) rc = copy_finite(path, e, m->encoder_weight);
    if (rc != SRM_OK) {
        srm_model_free(m);
        return rc;
    }
    *out = m;
    return SRM_OK;
}

void srm_layout_forget_tensors(srm_layout *lay)
{
    for (size_t u = 0; u < lay->units; u++)
        lay->unit[u].weight_ih = lay->unit[u].weight_hh = NULL,
        lay->unit[u].bias_ih = lay->unit[u].bias_hh = NULL;
    lay->embedding = lay->decoder_weight = lay->decoder_bias = NULL;
}

const char *srm_layout_unit_label(const srm_layout *lay, size_t u, char *buf, size_t size)
{
    snprintf(buf, size, "layer %zu%s", lay->unit[u].layer, lay->unit[u].reverse ? " reverse" : "");
    return buf;
}
