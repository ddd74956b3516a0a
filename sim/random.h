/* sim/random.h: the synthetic lab's random models and inputs (srm init, srm truncate
 * --random-input), and the input bound B_x that comes with them or is measured on given inputs.
 *
 * Models follow PyTorch's nn.RNN / nn.LSTM / nn.Linear: every parameter uniform in
 * (-1/sqrt(n), 1/sqrt(n)), n the hidden size (the decoder's fan-in is n too), except W_hh of
 * RNN-type cells: Gaussian (so its direction is rotation-invariant), then rescaled so that
 * ||W_hh||_2 = lambda exactly (to rounding). Draws happen in block order (weight_ih, weight_hh,
 * bias_ih, bias_hh, decoder) from the caller's generator, so a seed fixes the model. */
#ifndef SRM_RANDOM_H
#define SRM_RANDOM_H

#include <gsl/gsl_rng.h>

#include "core/matrix.h"
#include "core/model.h"
#include "sim/truncate.h"

/* Draws every parameter of m (its shapes already set); RNN-type cells get ||W_hh||_2 = lambda
 * (lambda = 0: W_hh = 0 exactly), and *norm the spectral norm measured afterwards (unchanged for
 * an LSTM). */
int srm_random_model(srm_model *m, double lambda, gsl_rng *rng, double *norm);

/* x->rows random inputs for m into x (x->cols = 1 for encoder models, else m->input):
 * coordinates uniform in [-B, B]/sqrt(d), so ||x_t||_2 <= B and ||x_t||_inf <= B/sqrt(d); token
 * indices uniform in 0..vocab-1 for encoder models. */
void srm_random_inputs(const srm_model *m, double input_bound, gsl_rng *rng, srm_matrix *x);

/* The a-priori bound of those inputs in the gap norm: B (2-norm) or B/sqrt(d) (max norm); 0 for
 * encoder models, whose bound is measured on the embedding rows used. */
double srm_random_input_bound(const srm_model *m, srm_gap_norm norm, double input_bound);

/* max_t ||x_t|| in the gap norm over the rows of x (encoder models: the embedding rows of the
 * token indices), and start when that is larger. */
double srm_random_measure_bound(const srm_model *m, srm_gap_norm norm, const srm_matrix *x,
                                double start);

#endif
