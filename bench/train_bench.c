/* bench/train_bench.c: `make bench`'s training-speed probe. For one of the paper's five shapes
 * it times full SGD steps of srm's network (task/net.h: forward, backward, clipping norm, SGD
 * step; the trainer's sgd_batch without the data loader) on random data, and measures the
 * shape-aware limit: every BLAS kernel of one step (bench/run.sh lists them with the output)
 * timed alone by OpenBLAS at its own shape, the step's limit time being the sum of their times
 * (elementwise work counts zero, so the limit is an upper bound on any implementation built on
 * these BLAS calls). For JSB at batch 1 it also measures the memory-bandwidth limit: the bytes
 * of the recurrent weights each frame must stream (W_hh forward and backward), over the read
 * bandwidth of a streaming kernel on a buffer of that size.
 *
 * usage: train_bench SHAPE PRECISION STEPS   (threads: OPENBLAS_NUM_THREADS; SRM_BENCH_NO_LIMIT=1:
 *        time the steps only, for a profiler)
 * prints one line: shape precision threads tok_per_s limit_tok_per_s fraction peak_rss_mb
 *                  bandwidth_limit_tok_per_s (nan except jsb) */
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/error.h"
#include "task/net.h"

typedef struct {
    const char *name;
    srm_cell cell;
    size_t n, d, vocab, out, B, T;
    double dropout;
    srm_net_output output;
} shape;

static const shape shapes[] = {
    {"atis_lstm128", SRM_CELL_LSTM, 128, 64, 900, 127, 128, 12, 0.5, SRM_NET_SOFTMAX},
    {"jsb_lstm1024", SRM_CELL_LSTM, 1024, 88, 0, 88, 1, 60, 0.1, SRM_NET_SIGMOID},
    {"ptbchar_lstm1024", SRM_CELL_LSTM, 1024, 400, 50, 50, 80, 150, 0.1, SRM_NET_SOFTMAX},
    {"wt2_rnn256", SRM_CELL_RNN_TANH, 256, 1024, 33278, 33278, 20, 35, 0.25, SRM_NET_SOFTMAX},
    {"wt2_lstm1024", SRM_CELL_LSTM, 1024, 512, 33278, 33278, 20, 35, 0.65, SRM_NET_SOFTMAX},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the shape-aware limit ---- */

typedef struct {
    int gemv, ta, tb;     /* GEMV (y = A x, A m x k, ta: transposed) or GEMM op(A) op(B) */
    size_t m, nn, k, reps; /* C is m x nn, inner k; reps: calls per step */
} kernel;

/* Seconds of one call of kernel q in the precision (best of a few timed repetitions). */
static double time_kernel(const kernel *q, int f32)
{
    size_t sa = q->m * q->k, sb = q->k * q->nn, sc = q->m * q->nn, es = f32 ? 4 : 8;
    char *a = calloc(sa + 1, es), *b = calloc(sb + q->k + 1, es), *c = calloc(sc + q->m + 1, es);
    for (size_t i = 0; i < sa; i++) {
        if (f32) ((float *)a)[i] = 1e-3f * (float)(i % 7);
        else ((double *)a)[i] = 1e-3 * (double)(i % 7);
    }
    double best = INFINITY, total = 0;
    for (int rep = 0; rep < 50 && (rep < 3 || total < 0.3); rep++) {
        double t0 = now();
        int M = (int)q->m, N = (int)q->nn, K = (int)q->k;
        if (q->gemv) { /* A is m x k, or k x m read transposed */
            if (f32) cblas_sgemv(CblasRowMajor, q->ta ? CblasTrans : CblasNoTrans, q->ta ? K : M,
                                 q->ta ? M : K, 1, (float *)a, q->ta ? M : K, (float *)b, 1, 1,
                                 (float *)c, 1);
            else cblas_dgemv(CblasRowMajor, q->ta ? CblasTrans : CblasNoTrans, q->ta ? K : M,
                             q->ta ? M : K, 1, (double *)a, q->ta ? M : K, (double *)b, 1, 1,
                             (double *)c, 1);
        } else if (f32) {
            cblas_sgemm(CblasRowMajor, q->ta ? CblasTrans : CblasNoTrans,
                        q->tb ? CblasTrans : CblasNoTrans, M, N, K, 1, (float *)a, q->ta ? M : K,
                        (float *)b, q->tb ? K : N, 1, (float *)c, N);
        } else {
            cblas_dgemm(CblasRowMajor, q->ta ? CblasTrans : CblasNoTrans,
                        q->tb ? CblasTrans : CblasNoTrans, M, N, K, 1, (double *)a, q->ta ? M : K,
                        (double *)b, q->tb ? K : N, 1, (double *)c, N);
        }
        double t = now() - t0;
        total += t;
        if (t < best) best = t;
    }
    free(a), free(b), free(c);
    return best;
}

/* The BLAS calls of one step of task/net_real.h at shape s; returns their count. */
static size_t step_kernels(const shape *s, kernel *k)
{
    size_t n = s->n, G = s->cell == SRM_CELL_LSTM ? 4 : 1, gn = G * n, R = s->T * s->B, c = 0;
    int one = s->B == 1;
    k[c++] = (kernel){0, 0, 1, R, gn, s->d, 1};                        /* input projection */
    k[c++] = (kernel){one, 0, 1, one ? gn : s->B, one ? 1 : gn, n, s->T}; /* recurrence */
    k[c++] = (kernel){0, 0, 1, R, s->out, n, 1};                        /* decoder */
    k[c++] = (kernel){0, 1, 0, s->out, n, R, 1};                        /* d decoder weight */
    k[c++] = (kernel){0, 0, 0, R, n, s->out, 1};                        /* d h from decoder */
    k[c++] = (kernel){one, one, 0, one ? n : s->B, one ? 1 : n, gn, s->T - 1}; /* d h recur */
    k[c++] = (kernel){0, 1, 0, gn, n, R, 1};                            /* d W_hh */
    k[c++] = (kernel){0, 1, 0, gn, s->d, R, 1};                         /* d W_ih */
    if (s->vocab) k[c++] = (kernel){0, 0, 0, R, s->d, gn, 1};           /* d embedding rows */
    return c;
}

/* Read bandwidth (bytes/s) of a streaming sum over `bytes` (best of several passes). */
static double stream_bandwidth(size_t bytes)
{
    size_t count = bytes / sizeof(float);
    float *x = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) x[i] = 1e-3f * (float)(i % 13);
    double best = INFINITY;
    volatile float sink = 0;
    for (int rep = 0; rep < 20; rep++) {
        double t0 = now();
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (size_t i = 0; i + 8 <= count; i += 8) {
            s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
            s4 += x[i + 4], s5 += x[i + 5], s6 += x[i + 6], s7 += x[i + 7];
        }
        sink += s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
        double t = now() - t0;
        if (t < best) best = t;
    }
    free(x);
    return (double)bytes / best;
}

/* ---- srm's step ---- */

static void fill(const shape *s, gsl_rng *rng, srm_net_batch *b, int32_t *tok, int32_t *tgt,
                 double *frames, double *tframes)
{
    size_t R = s->T * s->B;
    for (size_t r = 0; r < R; r++) {
        if (s->vocab) tok[r] = (int32_t)gsl_rng_uniform_int(rng, s->vocab);
        tgt[r] = (int32_t)gsl_rng_uniform_int(rng, s->out);
    }
    if (!s->vocab)
        for (size_t i = 0; i < R * s->d; i++) frames[i] = gsl_rng_uniform(rng) < 0.05;
    for (size_t i = 0; !s->vocab && i < R * s->out; i++) tframes[i] = gsl_rng_uniform(rng) < 0.05;
    *b = (srm_net_batch){.T = s->T, .B = s->B, .tokens = s->vocab ? tok : NULL,
                         .frames = s->vocab ? NULL : frames, .targets = tgt,
                         .target_frames = s->vocab ? NULL : tframes};
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: train_bench SHAPE float32|float64 STEPS\n");
        return 2;
    }
    const shape *s = NULL;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (strcmp(argv[1], shapes[i].name) == 0) s = &shapes[i];
    int f32 = strcmp(argv[2], "float32") == 0, steps = atoi(argv[3]);
    if (!s || (!f32 && strcmp(argv[2], "float64") != 0) || steps < 1) {
        fprintf(stderr, "train_bench: unknown shape or precision, or STEPS < 1\n");
        return 2;
    }
    srm_model *m = srm_model_alloc(s->cell, s->n, s->d, s->out, s->vocab);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    srm_net *net = m ? srm_net_alloc(m, s->output, f32 ? SRM_NET_FLOAT32 : SRM_NET_FLOAT64, s->T,
                                     s->B) : NULL;
    size_t R = s->T * s->B;
    int32_t *tok = calloc(R, sizeof *tok), *tgt = calloc(R, sizeof *tgt);
    double *frames = calloc(R * s->d, sizeof *frames), *tframes = calloc(R * s->out, 8);
    double *state = calloc(s->B * 2 * s->n, sizeof *state);
    if (!net || !rng || !tok || !tgt || !frames || !tframes || !state) {
        fprintf(stderr, "train_bench: out of memory\n");
        return 1;
    }
    gsl_rng_set(rng, 1);
    srm_net_init(m, rng);
    srm_net_bind_trainable(net, m);
    srm_net_batch b;
    double p_in = s->vocab ? s->dropout : 0, elapsed = 0;
    for (int step = 0; step <= steps; step++) { /* step 0 warms up, untimed */
        fill(s, rng, &b, tok, tgt, frames, tframes);
        double t0 = now(), sum;
        size_t count;
        srm_net_grad_zero(net);
        if (srm_net_forward(net, &b, s->vocab ? state : NULL, p_in, s->dropout, rng, &sum,
                            &count) != SRM_OK)
            return 1;
        if (s->vocab) memcpy(state, srm_net_final_state(net), s->B * 2 * s->n * sizeof(double));
        srm_net_backward(net, &b, 1.0 / (double)count);
        double norm = srm_net_grad_norm(net);
        srm_net_sgd_step(net, 0.1, norm > 0.25 ? 0.25 / norm : 1.0, 0);
        if (step > 0) elapsed += now() - t0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double tok_s = (double)(R * (size_t)steps) / elapsed; /* peak RSS read before the limit */
    kernel k[12];
    size_t nk = step_kernels(s, k);
    double limit_time = 0;
    /* SRM_BENCH_NO_LIMIT=1 skips it (profiling the steps alone) */
    int skip = getenv("SRM_BENCH_NO_LIMIT") && strcmp(getenv("SRM_BENCH_NO_LIMIT"), "1") == 0;
    for (size_t i = 0; i < nk && !skip; i++)
        limit_time += (double)k[i].reps * time_kernel(&k[i], f32);
    if (skip) limit_time = NAN;
    double bw_limit = NAN;
    if (s->B == 1) { /* W_hh streamed twice per frame (forward GEMV and backward GEMV) */
        size_t whh = 4 * s->n * s->n * (f32 ? 4 : 8);
        bw_limit = (double)s->T / ((double)(2 * whh * (s->T - 1) + whh) /
                                   stream_bandwidth(whh));
    }
    printf("%s\t%s\t%s\t%.1f\t%.1f\t%.3f\t%.0f\t%.1f\n", s->name, argv[2],
           getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "?", tok_s,
           (double)R / limit_time, tok_s / ((double)R / limit_time), (double)ru.ru_maxrss / 1024,
           bw_limit);
    srm_net_free(net), srm_model_free(m), gsl_rng_free(rng);
    free(tok), free(tgt), free(frames), free(tframes), free(state);
    return 0;
}
