/* task/net_real.h: the benchmark network's forward, backward, decoder, losses and SGD, written
 * once over the floating-point type. Not a public header: task/net_ops.c includes it once per
 * precision with
 *   REAL, SFX(name), MODEL, GEMM, GEMV   as core/cell_real.h (SFX: name or name##_f32)
 *   IMPL(name)      the precision's entry point (name##_f64 or name##_f32), called by net.c
 *   NET_W(net), NET_G(net)  the weights and the gradient (srm_model or srm_model_f32)
 *   CELL(name)      the cell kernel of this precision (core/cell.h)
 *   EXP             exp or srm_expf; KERNEL as core/cell_real.h
 * Every (T, B, ...) workspace array (net_internal.h) holds REAL. Losses, norms and the final
 * state are summed and returned in double in both precisions. */

/* Inverted dropout of x (count entries) in place; mask receives the multipliers. The keep
 * flags are the batch's when given (keep), else drawn from rng as srm_net_dropout_keep draws
 * them. */
static void SFX(dropout)(REAL *x, REAL *mask, size_t count, double p, gsl_rng *rng,
                         const unsigned char *keep)
{
    REAL scale = (REAL)(1.0 / (1.0 - p));
    for (size_t i = 0; i < count; i++) {
        int kept = keep ? keep[i] != 0 : srm_net_keep_draw(rng, p);
        mask[i] = kept ? scale : 0;
        x[i] *= mask[i];
    }
}

int SFX(srm_net_gather_inputs)(const MODEL *m, const srm_net_batch *b, size_t pos0, size_t rows,
                               REAL *x)
{
    size_t d = m->input;
    if (!m->vocab) {
        const double *f = b->frames + pos0 * d;
        for (size_t i = 0; i < rows * d; i++) x[i] = (REAL)f[i];
        return SRM_OK;
    }
    for (size_t r = 0; r < rows; r++) {
        int32_t tok = b->tokens[pos0 + r];
        if (tok < 0 || (size_t)tok >= m->vocab)
            return SRM_ERROR(SRM_EINVAL, "token id %d at step %zu, column %zu is not in 0..%zu",
                             tok, (pos0 + r) / b->B, (pos0 + r) % b->B, m->vocab - 1);
        memcpy(x + r * d, m->encoder_weight + (size_t)tok * d, d * sizeof(REAL));
    }
    return SRM_OK;
}

void SFX(srm_net_decode)(const MODEL *m, const REAL *h, size_t ldh, size_t rows, REAL *y)
{
    size_t out = m->output;
    for (size_t r = 0; r < rows; r++) memcpy(y + r * out, m->decoder_bias, out * sizeof(REAL));
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)out, (int)m->hidden, 1, h,
         (int)ldh, m->decoder_weight, (int)m->hidden, 1, y, (int)out);
}

/* Sum of count entries in double. The float32 instantiation adds in eight interleaved double
 * lanes (one vector register: the loop vectorises); float64 keeps the sequential order that
 * every committed float64 result was computed with. */
static KERNEL double SFX(sum)(const REAL *x, size_t count)
{
    double s = 0;
    size_t i = 0;
    if (sizeof(REAL) == sizeof(float)) {
        double lane[8] = {0};
        for (; i + 8 <= count; i += 8)
            for (size_t l = 0; l < 8; l++) lane[l] += (double)x[i + l];
        for (size_t l = 0; l < 8; l++) s += lane[l];
    }
    for (; i < count; i++) s += x[i];
    return s;
}

/* The largest of count >= 1 entries (float32: sixteen lanes, which vectorises; the maximum does
 * not depend on the order). */
static KERNEL REAL SFX(max)(const REAL *x, size_t count)
{
    REAL mx = x[0];
    size_t i = 1;
    if (sizeof(REAL) == sizeof(float) && count >= 16) {
        REAL lane[16];
        for (size_t l = 0; l < 16; l++) lane[l] = x[l];
        for (i = 16; i + 16 <= count; i += 16)
            for (size_t l = 0; l < 16; l++) lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
        for (size_t l = 0; l < 16; l++) mx = lane[l] > mx ? lane[l] : mx;
    }
    for (; i < count; i++) mx = x[i] > mx ? x[i] : mx;
    return mx;
}

/* Softmax of one row in place; returns log(sum exp) + max - row[t] (the loss at target t). The
 * sum is in double in both precisions. */
static KERNEL double SFX(softmax_row)(REAL *row, size_t out, int32_t t)
{
    REAL mx = SFX(max)(row, out), yt = row[t];
    double s = 0;
    for (size_t j = 0; j < out; j++) row[j] = EXP(row[j] - mx); /* vectorises (float) */
    s = SFX(sum)(row, out);
    REAL inv = (REAL)(1.0 / s);
    for (size_t j = 0; j < out; j++) row[j] *= inv;
    return log(s) + (double)mx - (double)yt;
}

/* SRM_EINVAL unless every counted softmax target of rows [pos0, pos0 + rows) is a class. */
static int SFX(check_targets)(srm_net_output kind, size_t rows, size_t out,
                              const srm_net_batch *b, size_t pos0)
{
    for (size_t pos = pos0; kind == SRM_NET_SOFTMAX && pos < pos0 + rows; pos++) {
        int32_t t = !b->mask || b->mask[pos] ? b->targets[pos] : 0;
        if (t < 0 || (size_t)t >= out)
            return SRM_ERROR(SRM_EINVAL, "target id %d at step %zu, column %zu is not in 0..%zu",
                             t, pos / b->B, pos % b->B, out - 1);
    }
    return SRM_OK;
}

/* Loss of the output row at time-major position pos, in place (logits become probabilities);
 * computed also for uncounted rows (their probabilities are zeroed by backward). */
static double SFX(row_loss)(srm_net_output kind, REAL *row, size_t out, const srm_net_batch *b,
                            size_t pos)
{
    if (kind == SRM_NET_SOFTMAX)
        return SFX(softmax_row)(row, out, !b->mask || b->mask[pos] ? b->targets[pos] : 0);
    const double *z = b->target_frames + pos * out;
    double l = 0;
    for (size_t j = 0; j < out; j++) {
        double v = row[j];
        l += srm_softplus(v) - z[j] * v;
        row[j] = (REAL)srm_sigmoid_stable(v);
    }
    return l;
}

int SFX(srm_net_rows_loss)(srm_net_output kind, REAL *y, size_t rows, size_t out,
                           const srm_net_batch *b, size_t pos0, double *loss, size_t *count)
{
    SRM_TRY(SFX(check_targets)(kind, rows, out, b, pos0));
    for (size_t r = 0; r < rows; r++) {
        int counted = !b->mask || b->mask[pos0 + r];
        double l = SFX(row_loss)(kind, y + r * out, out, b, pos0 + r);
        if (counted) *loss += l;
        *count += (size_t)counted;
    }
    return SRM_OK;
}

/* The same over the last forward's rows, split between the net's threads (srm_net_threads):
 * each row's loss goes to net->row_loss, and they are summed in row order, so the result does
 * not depend on the thread count. */
static int SFX(rows_loss_threaded)(srm_net *net, const srm_net_batch *b, double *loss,
                                   size_t *count)
{
    size_t R = net->rows_out, out = net->out;
    REAL *y = net->y;
    double *rl = net->row_loss;
    SRM_TRY(SFX(check_targets)(net->output, R, out, b, 0));
    int threads = R * out >= SRM_NET_SPLIT_MIN ? srm_net_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (size_t r = 0; r < R; r++) rl[r] = SFX(row_loss)(net->output, y + r * out, out, b, r);
    for (size_t r = 0; r < R; r++) {
        int counted = !b->mask || b->mask[r];
        if (counted) *loss += rl[r];
        *count += (size_t)counted;
    }
    return SRM_OK;
}

void SFX(srm_net_argmax_rows)(const REAL *y, size_t rows, size_t out, int32_t *dst)
{
    for (size_t r = 0; r < rows; r++) {
        const REAL *row = y + r * out;
        size_t best = 0;
        for (size_t j = 1; j < out; j++)
            if (row[j] > row[best]) best = j;
        dst[r] = (int32_t)best;
    }
}

/* ---- forward ---- */

/* Input vectors of the batch (embedding rows or frames) into net->xused, with input dropout. */
static int SFX(forward_inputs)(srm_net *net, const srm_net_batch *b, double p_in, gsl_rng *rng)
{
    const MODEL *m = NET_W(net);
    size_t R = b->T * b->B;
    if (m->vocab || net->drop_in || sizeof(REAL) != sizeof(double)) {
        SRM_TRY(SFX(srm_net_gather_inputs)(m, b, 0, R, net->x));
        if (net->drop_in) SFX(dropout)(net->x, net->xmask, R * net->d, p_in, rng, b->keep_in);
        net->xused = net->x;
    } else {
        net->xused = b->frames; /* double frames used as they are */
    }
    return SRM_OK;
}

/* The recurrence from state0 (NULL: zeros): h_1 .. h_T (and c, tanh c, the LSTM gates in a)
 * for backward, and the final state (in double). */
static void SFX(forward_recurrence)(srm_net *net, const double *state0)
{
    const MODEL *m = NET_W(net);
    size_t T = net->T, B = net->B, R = T * B, n = net->n, gn = net->gn, S = net->S;
    REAL *h = net->h, *c = net->c, *tc = net->tc;
    CELL(srm_cell_input_projection)(net->a, net->xused, m, R);
    for (size_t r = 0; r < B; r++)
        for (size_t i = 0; i < n; i++) {
            h[r * n + i] = state0 ? (REAL)state0[r * S + (S - n) + i] : 0;
            if (c) c[r * n + i] = state0 ? (REAL)state0[r * S + i] : 0;
        }
    for (size_t t = 0; t < T; t++) {
        REAL *a = (REAL *)net->a + t * B * gn;
        CELL(srm_cell_recur_forward)(a, h + t * B * n, m, B, n);
        /* pre (B, gn): a; h, c (B, n) at rows t (previous) and t + 1 (next) */
        CELL(srm_cell_forward)(h + (t + 1) * B * n, c ? c + (t + 1) * B * n : NULL, a,
                               tc ? tc + t * B * n : NULL, a, c ? c + t * B * n : NULL,
                               net->cell, B, n, n);
    }
    for (size_t r = 0; r < B; r++) {
        double *f = net->final + r * S;
        for (size_t i = 0; i < n; i++) {
            if (c) f[i] = c[(R + r) * n + i];
            f[(S - n) + i] = h[(R + r) * n + i];
        }
    }
}

KERNEL int IMPL(srm_net_forward)(srm_net *net, const srm_net_batch *b, const double *state0,
                          double p_in, double p_out, gsl_rng *rng, double *loss_sum,
                          size_t *count)
{
    size_t B = b->B, n = net->n, R = net->rows_out;
    SRM_TRY(SFX(forward_inputs)(net, b, p_in, rng));
    SFX(forward_recurrence)(net, state0);
    const REAL *h1 = (REAL *)net->h + B * n; /* h_1 .. h_T */
    net->hused = h1;
    if (b->out_step) /* one row per column: h at its step, gathered */
        for (size_t c = 0; c < B; c++)
            memcpy((REAL *)net->hd + c * n, h1 + ((size_t)b->out_step[c] * B + c) * n,
                   n * sizeof(REAL));
    else if (net->drop_out)
        memcpy(net->hd, h1, R * n * sizeof(REAL));
    if (b->out_step || net->drop_out) net->hused = net->hd;
    if (net->drop_out) SFX(dropout)(net->hd, net->hmask, R * n, p_out, rng, b->keep_out);
    *loss_sum = 0;
    *count = 0;
    SFX(srm_net_decode)(NET_W(net), net->hused, n, R, net->y);
    return SFX(rows_loss_threaded)(net, b, loss_sum, count);
}

void IMPL(srm_net_argmax)(const srm_net *net, int32_t *out)
{
    SFX(srm_net_argmax_rows)(net->y, net->rows_out, net->out, out);
}

/* ---- backward ---- */

/* d logits = scale (p - target) on counted rows, the decoder's gradients, and
 * dh = d logits W_dec (the decoded rows: net->rows_out of them). */
static void SFX(backward_decoder)(srm_net *net, const srm_net_batch *b, double scale, REAL *dh)
{
    const MODEL *m = NET_W(net);
    MODEL *g = NET_G(net);
    size_t R = net->rows_out, n = net->n, out = net->out;
    REAL s = (REAL)scale;
    int threads = R * out >= SRM_NET_SPLIT_MIN ? srm_net_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (size_t r = 0; r < R; r++) {
        REAL *row = (REAL *)net->y + r * out;
        if (b->mask && !b->mask[r]) {
            memset(row, 0, out * sizeof(REAL));
            continue;
        }
        if (net->output == SRM_NET_SOFTMAX) {
            for (size_t j = 0; j < out; j++) row[j] *= s;
            row[b->targets[r]] -= s;
        } else {
            const double *z = b->target_frames + r * out;
            for (size_t j = 0; j < out; j++) row[j] = (REAL)(scale * (row[j] - z[j]));
        }
    }
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)n, (int)R, 1, net->y, (int)out,
         net->hused, (int)n, 1, g->decoder_weight, (int)n);
    GEMV(CblasRowMajor, CblasTrans, (int)R, (int)out, 1, net->y, (int)out, net->ones, 1, 1,
         g->decoder_bias, 1);
    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)n, (int)out, 1, net->y,
         (int)out, m->decoder_weight, (int)n, 0, dh, (int)n);
}

/* Backpropagation through time from net->dh: net->a becomes d loss / d pre-activation, step by
 * step (the kernel on B rows, in place over the gates). */
static void SFX(backward_recurrence)(srm_net *net)
{
    const MODEL *m = NET_W(net);
    size_t T = net->T, B = net->B, n = net->n, gn = net->gn;
    REAL *h = net->h, *c = net->c, *tc = net->tc, *dh = net->dh;
    memset(net->carry_h, 0, B * n * sizeof(REAL));
    if (net->carry_c) memset(net->carry_c, 0, B * n * sizeof(REAL));
    for (size_t t = T; t-- > 0;) {
        REAL *a = (REAL *)net->a + t * B * gn;
        CELL(srm_cell_backward)(a, net->carry_c, dh + t * B * n, net->carry_h,
                                h + (t + 1) * B * n, c ? c + t * B * n : NULL, a,
                                tc ? tc + t * B * n : NULL, net->cell, B, n, n);
        if (t > 0) CELL(srm_cell_recur_backward)(net->carry_h, a, m, B);
    }
}

/* The encoder rows of the batch's tokens receive dx = da W_ih (times the input dropout). */
static void SFX(backward_encoder)(srm_net *net, const srm_net_batch *b)
{
    const MODEL *m = NET_W(net);
    MODEL *g = NET_G(net);
    size_t R = net->T * net->B, d = net->d, gn = net->gn;
    REAL *dx = net->dx;
    const REAL *xmask = net->xmask;
    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)d, (int)gn, 1, net->a, (int)gn,
         m->weight_ih, (int)d, 0, dx, (int)d);
    if (net->drop_in)
        for (size_t i = 0; i < R * d; i++) dx[i] *= xmask[i];
    for (size_t r = 0; r < R; r++) {
        size_t tok = (size_t)b->tokens[r];
        if (!net->touched[tok]) {
            net->touched[tok] = 1;
            net->rows[net->nrows++] = tok;
        }
        REAL *row = g->encoder_weight + tok * d;
        for (size_t j = 0; j < d; j++) row[j] += dx[r * d + j];
    }
}

KERNEL void IMPL(srm_net_backward)(srm_net *net, const srm_net_batch *b, double scale)
{
    MODEL *g = NET_G(net);
    size_t R = net->T * net->B, n = net->n, d = net->d, gn = net->gn;
    size_t Ro = net->rows_out, B = net->B;
    REAL *dh = b->out_step ? net->dsel : net->dh, *gbias = net->gbias;
    const REAL *hmask = net->hmask;
    SFX(backward_decoder)(net, b, scale, dh);
    if (net->drop_out)
        for (size_t i = 0; i < Ro * n; i++) dh[i] *= hmask[i];
    if (b->out_step) { /* the decoded rows' gradients back to their steps, zero elsewhere */
        memset(net->dh, 0, R * n * sizeof(REAL));
        for (size_t c = 0; c < B; c++)
            memcpy((REAL *)net->dh + ((size_t)b->out_step[c] * B + c) * n, dh + c * n,
                   n * sizeof(REAL));
    }
    SFX(backward_recurrence)(net);
    /* Rows 0 .. R-1 of h are h_0 .. h_{T-1}, the states each step read. */
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)gn, (int)n, (int)R, 1, net->a, (int)gn,
         net->h, (int)n, 1, g->weight_hh, (int)n);
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)gn, (int)d, (int)R, 1, net->a, (int)gn,
         net->xused, (int)d, 1, g->weight_ih, (int)d);
    GEMV(CblasRowMajor, CblasTrans, (int)R, (int)gn, 1, net->a, (int)gn, net->ones, 1, 0, gbias,
         1);
    for (size_t i = 0; i < gn; i++) {
        g->bias_ih[i] += gbias[i];
        g->bias_hh[i] += gbias[i];
    }
    if (net->vocab) SFX(backward_encoder)(net, b);
}

/* ---- gradient bookkeeping and SGD (sparse encoder rows: see net.h) ---- */

void IMPL(srm_net_grad_zero)(srm_net *net)
{
    MODEL *g = NET_G(net);
    size_t d = net->d, dense = g->nparam - net->vocab * d;
    memset(g->w, 0, dense * sizeof(REAL));
    for (size_t i = 0; i < net->nrows; i++) {
        memset(g->encoder_weight + net->rows[i] * d, 0, d * sizeof(REAL));
        net->touched[net->rows[i]] = 0;
    }
    net->nrows = 0;
}

/* Sum of squares in double, as SFX(sum) (float32: eight lanes; float64: sequential). */
static KERNEL double SFX(sum_squares)(const REAL *x, size_t count, double s)
{
    size_t i = 0;
    if (sizeof(REAL) == sizeof(float)) {
        double lane[8] = {0};
        for (; i + 8 <= count; i += 8)
            for (size_t l = 0; l < 8; l++) lane[l] += (double)x[i + l] * (double)x[i + l];
        for (size_t l = 0; l < 8; l++) s += lane[l];
    }
    for (; i < count; i++) s += (double)x[i] * x[i];
    return s;
}

double IMPL(srm_net_grad_norm)(const srm_net *net)
{
    const MODEL *g = NET_G(net);
    size_t d = net->d, dense = g->nparam - net->vocab * d;
    double s = SFX(sum_squares)(g->w, dense, 0);
    for (size_t i = 0; i < net->nrows; i++)
        s = SFX(sum_squares)(g->encoder_weight + net->rows[i] * d, d, s);
    return sqrt(s);
}

/* w -= lr (gs g + wd w) over count entries (split between the threads when it is large). */
static KERNEL void SFX(sgd)(REAL *w, const REAL *g, size_t count, REAL lr, REAL gs, REAL wd)
{
    int threads = count >= SRM_NET_SPLIT_MIN ? srm_net_threads() : 1;
#pragma omp parallel for simd schedule(static) num_threads(threads) if (threads > 1)
    for (size_t i = 0; i < count; i++) w[i] -= lr * (gs * g[i] + wd * w[i]);
}

/* The same update, returning the squared norm of the change as stored (the difference of two
 * floats is exact in double): W_hh's, for the trainer's Weyl bound. */
static double SFX(sgd_change)(REAL *w, const REAL *g, size_t count, REAL lr, REAL gs, REAL wd)
{
    double ss = 0;
    for (size_t i = 0; i < count; i++) {
        REAL old = w[i];
        w[i] -= lr * (gs * g[i] + wd * w[i]);
        double dl = (double)w[i] - (double)old;
        ss += dl * dl;
    }
    return ss;
}

double IMPL(srm_net_sgd_step)(const srm_net *net, double lr, double grad_scale,
                              double weight_decay)
{
    MODEL *m = NET_W(net);
    const MODEL *g = NET_G(net);
    size_t d = net->d, hh0 = (size_t)(m->weight_hh - m->w), nhh = net->gn * net->n;
    size_t dense = m->nparam - net->vocab * d;
    REAL l = (REAL)lr, s = (REAL)grad_scale, wd = (REAL)weight_decay;
    SFX(sgd)(m->w, g->w, hh0, l, s, wd);
    double hh = SFX(sgd_change)(m->weight_hh, g->weight_hh, nhh, l, s, wd);
    if (weight_decay != 0 || !net->vocab) {
        SFX(sgd)(m->weight_hh + nhh, g->weight_hh + nhh, m->nparam - hh0 - nhh, l, s, wd);
    } else {
        SFX(sgd)(m->weight_hh + nhh, g->weight_hh + nhh, dense - hh0 - nhh, l, s, 0);
        for (size_t i = 0; i < net->nrows; i++) {
            size_t off = net->rows[i] * d;
            SFX(sgd)(m->encoder_weight + off, g->encoder_weight + off, d, l, s, 0);
        }
    }
    return sqrt(hh);
}

int IMPL(srm_net_weights_finite)(const srm_net *net)
{
    const MODEL *m = NET_W(net);
    double acc = 0; /* w * 0 is NaN exactly for an infinite or NaN w */
    for (size_t i = 0; i < m->nparam; i++) acc += (double)m->w[i] * 0.0;
    return acc == 0;
}

void IMPL(srm_net_clamp_touched_rows)(const srm_net *net, double bound)
{
    MODEL *m = NET_W(net);
    size_t d = net->d;
    REAL bd = (REAL)bound;
    if ((double)bd > bound) bd = (REAL)nextafterf((float)bd, 0.0f); /* float: never above */
    for (size_t i = 0; i < net->nrows; i++) {
        REAL *row = m->encoder_weight + net->rows[i] * d;
        for (size_t j = 0; j < d; j++) row[j] = row[j] > bd ? bd : row[j] < -bd ? -bd : row[j];
    }
}
