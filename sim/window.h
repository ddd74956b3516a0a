/* sim/window.h: the k-step truncation engine, for the synthetic lab (sim/rnn.h's truncated
 * forward, sim/truncate.h's gaps) and the benchmarks (task/net.h's truncated evaluation).
 *
 * The k-step truncated state s^k_t is k steps of the cell from the zero state over the inputs of
 * positions t-k+1 .. t (from position 0 when t < k: then s^k_t = s_t); proofs-notes/inference.md.
 * Restarted windows are rows of a state block that advance together: one step of a set of rows
 * is one GEMM with W_hh and one call of the cell kernel (core/cell.h), srm_window_advance.
 * srm_window_run schedules the windows of a fixed k: B columns (equal-length sequences,
 * time-major: row u*B + b is position u of column b), a chunk of C positions at a time; at
 * position u exactly the windows that contain u, a contiguous range of rows, advance. O(T k)
 * cell steps, memory C*B rows. (sim/truncate.c schedules every k = 1..K at once instead: rows by
 * start time, with the same srm_window_advance.)
 * One exception keeps its own schedule: the truncated gradient (sim/rnn_grad.c) runs each
 * window as a span of single steps, because its BPTT needs every window's own activations.
 * Rounding: one live row goes through GEMV, several through one GEMM (core/cell.h), and OpenBLAS
 * rounds a row differently in the two, so the truncated states of `srm run --trunc k` and of
 * `srm grad --trunc k` agree to rounding (about 1e-16 relative), not bit for bit; before the
 * engines became one, `srm run --trunc k` used GEMM even for one row. */
#ifndef SRM_WINDOW_H
#define SRM_WINDOW_H

#include <stddef.h>

#include "core/model.h"

/* Advances `rows` windows one step in place. states (rows, S) with row stride ld (c then h);
 * row r reads the input projection row r % B of xproj (B, G n): every row is at the same
 * position, in column r % B. pre (rows, G n) is scratch. */
void srm_window_advance(double *states, size_t ld, double *pre, const double *xproj, size_t B,
                        size_t rows, const srm_model *m);

/* Writes the input projections W_ih x_u + b_ih + b_hh of positions [u, u + len) of every column
 * (len*B rows of G n, time-major) into xproj; returns SRM_OK or an error code. */
typedef int (*srm_window_project_fn)(void *ctx, size_t u, size_t len, double *xproj);

typedef struct srm_window srm_window;

/* Workspace for chunks of up to `chunk` positions of up to b_max columns. */
srm_window *srm_window_alloc(const srm_model *m, size_t chunk, size_t b_max);
void srm_window_free(srm_window *w);
size_t srm_window_chunk(const srm_window *w);

/* The states s^k_t (k >= 1; k > T is the same as k = T) of positions p .. p+len-1 (len <=
 * chunk, p + len <= T) of B columns: *states points to (len*B, S) rows, time-major, valid until
 * the next call. The projections are requested in blocks of up to `chunk` positions. */
int srm_window_run(srm_window *w, const srm_model *m, size_t T, size_t B, size_t k, size_t p,
                   size_t len, srm_window_project_fn project, void *ctx, const double **states);

#endif
