/* tests/test_chain_reference.c: the k-step truncated benchmark network (task/net.h's chains,
 * what srm train --trunc trains) against PyTorch (torch.float64), with the fixtures of
 * tests/ref/make_chain_fixtures.py: an embedding, a tanh RNN or an LSTM and a softmax decoder;
 * a window of T = 6 steps by B = 2 columns after P = 3 context positions, k = 4, fixed input
 * and output dropout flags. Checked: the truncated outputs (softmax probabilities), the loss and
 * the gradient of every weight, in float64 (1e-10 outputs, 1e-8 loss and gradients, relative to
 * max(1, |torch|), as tests/test_reference.c) and float32 (1e-5). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "task/net.h"
#include "tests/harness.h"

enum { V = 7, D = 3, N = 5, OUT = 6, B = 2, P = 3, T = 6, K = 4 };

static double worst(const double *a, const double *b, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++) w = fmax(w, fabs(a[i] - b[i]) / fmax(1.0, fabs(b[i])));
    return w;
}

static const double *tensor(const srm_tensors *ts, const char *name, size_t size)
{
    const srm_tensor *t = srm_tensors_find(ts, name);
    return t && t->size == size ? t->data : NULL;
}

static void check_model(const char *name)
{
    char path[256], ref[256];
    snprintf(path, sizeof path, "tests/ref/%s.safetensors", name);
    snprintf(ref, sizeof ref, "tests/ref/%s.ref.safetensors", name);
    srm_model *m = NULL, *g = NULL;
    srm_tensors *ts = NULL;
    if (srm_model_load(path, &m) != SRM_OK || srm_safetensors_read(ref, &ts) != SRM_OK) {
        CHECK(0, "%s: fixtures load: %s", name, srm_error_message());
        srm_model_free(m);
        return;
    }
    const double *tok = tensor(ts, "tokens", (P + T) * B), *tgt = tensor(ts, "targets", T * B);
    const double *kin = tensor(ts, "keep_in", (P + T) * B * D);
    const double *kout = tensor(ts, "keep_out", T * B * N), *prob = tensor(ts, "prob", T * B * OUT);
    const double *loss = tensor(ts, "loss", 1);
    int32_t tokens[(P + T) * B], targets[T * B];
    unsigned char keep_in[(P + T) * B * D], keep_out[T * B * N];
    int ok = tok && tgt && kin && kout && prob && loss && m->vocab == V && m->output == OUT;
    for (size_t i = 0; ok && i < (P + T) * B; i++) tokens[i] = (int32_t)tok[i];
    for (size_t i = 0; ok && i < T * B; i++) targets[i] = (int32_t)tgt[i];
    for (size_t i = 0; ok && i < (P + T) * B * D; i++) keep_in[i] = kin[i] != 0;
    for (size_t i = 0; ok && i < T * B * N; i++) keep_out[i] = kout[i] != 0;
    srm_net_batch w = {.T = T, .B = B, .tokens = tokens + P * B, .targets = targets,
                       .keep_in = keep_in + P * B * D, .keep_out = keep_out};
    srm_net_chains ch;
    ok = ok && srm_net_chains_alloc(&ch, K, T, B, D, N, 0) == SRM_OK &&
         srm_net_chains_build(&ch, &w, P, tokens, keep_in) == SRM_OK;
    g = srm_model_alloc_like(m);
    for (int prec = 0; ok && prec < 2; prec++) {
        srm_net *net = srm_net_alloc_chains(m, SRM_NET_SOFTMAX,
                                            prec ? SRM_NET_FLOAT32 : SRM_NET_FLOAT64, K, T * B);
        double l = NAN, y[T * B * OUT], tol_y = prec ? 1e-5 : 1e-10, tol_g = prec ? 1e-5 : 1e-8;
        size_t count = 0;
        int rc = net ? srm_net_bind(net, m) : srm_error_code();
        if (rc == SRM_OK) rc = srm_net_forward(net, &ch.b, NULL, 0.25, 0.25, NULL, &l, &count);
        if (rc == SRM_OK) srm_net_outputs(net, y);
        srm_net_grad_zero(net);
        if (rc == SRM_OK) srm_net_backward(net, &ch.b, 1.0);
        if (rc == SRM_OK) srm_net_grad_get(net, g);
        const char *pn = prec ? "float32" : "float64";
        CHECK(rc == SRM_OK && count == T * B && worst(y, prob, T * B * OUT) <= tol_y,
              "%s %s: truncated outputs = torch (worst %.2e)", name, pn,
              rc == SRM_OK ? worst(y, prob, T * B * OUT) : NAN);
        CHECK(rc == SRM_OK && worst(&l, loss, 1) <= tol_g, "%s %s: loss %.15g = torch %.15g",
              name, pn, l, *loss);
        srm_model_tensor mt[SRM_MODEL_TENSORS_MAX];
        size_t nt = srm_model_tensors(g, mt);
        double gw = 0;
        int found = 1;
        for (size_t i = 0; rc == SRM_OK && i < nt; i++) {
            char gname[96];
            snprintf(gname, sizeof gname, "grad.%s", mt[i].name);
            size_t size = mt[i].shape[0] * (mt[i].ndim > 1 ? mt[i].shape[1] : 1);
            const double *gr = tensor(ts, gname, size);
            if (!gr) found = 0;
            else gw = fmax(gw, worst(mt[i].data, gr, size));
        }
        CHECK(rc == SRM_OK && found && gw <= tol_g, "%s %s: gradients of all %zu tensors = "
              "torch (worst %.2e)", name, pn, nt, gw);
        srm_net_free(net);
    }
    if (!ok) CHECK(0, "%s: fixture tensors and chains: %s", name, srm_error_message());
    srm_net_chains_free(&ch);
    srm_model_free(g), srm_model_free(m);
    srm_tensors_free(ts);
}

int main(void)
{
    check_model("chain_rnn_tanh");
    check_model("chain_lstm");
    return srm_test_finish();
}
