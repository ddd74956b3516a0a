/* sim/teacher.h: the teacher-student regression task of `srm trajectory`.
 *
 * A random stable teacher of a given cell (tanh RNN: ||W_hh||_2 = lambda exactly; LSTM: random
 * weights projected onto the LSTM stability set) reads bounded random inputs (uniform in the
 * Euclidean unit ball of R^d, so B_x = 1); its outputs are the students' targets.
 * Proofs: proofs-notes/training-theorem.md (the teacher-student task). */
#ifndef SRM_TEACHER_H
#define SRM_TEACHER_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "core/model.h"

/* The teacher's data set: inputs and the teacher's outputs (srm_task is the benchmark task of
 * task/dataset.h). */
typedef struct {
    size_t seqs, length, input, output;
    double *x;           /* (seqs, length, input) */
    double *y;           /* (seqs, length, output): the teacher's outputs */
    double input_bound;  /* max_t ||x_t||_2 over the data (<= 1) */
    double target_bound; /* max_t ||y_t||_2 over the data */
} srm_teacher_data;

/* Fills every weight of m with independent Gaussians: W_ih ~ N(0, scale^2/d),
 * W_hh and decoder.weight ~ N(0, scale^2/n), bias_ih, bias_hh ~ N(0, (scale/10)^2),
 * decoder.bias = 0. Not stable in general: project afterwards. */
void srm_teacher_randomize(srm_model *m, double scale, gsl_rng *rng);

/* The LSTM stability set students and teachers are projected onto: the paper's code's
 * a = 1 - f_max = 0.4 with margin 0.005 (targets 0.395, 0.155, 0.095, 0.395), for inputs with
 * ||x||_inf <= ||x||_2 <= 1. */
#define SRM_TEACHER_LSTM_A 0.4
#define SRM_TEACHER_LSTM_MARGIN 0.005
#define SRM_TEACHER_INPUT_BOUND 1.0

/* Moves m onto the stable set of its cell: RNN-type cells get W_hh clipped to
 * ||W_hh||_2 <= lambda (nearest such matrix); the LSTM gets srm_project_lstm with the set above
 * (lambda unused). `exact` rescales an RNN's W_hh to ||W_hh||_2 = lambda instead (teachers).
 * Allocates an SVD workspace per call: for set-up, not for training loops. */
int srm_teacher_project(srm_model *m, double lambda, int exact);

/* The certified lambda_inf of every LSTM in that set (the worst case over the set, from
 * srm_stability_lstm_evaluate at the targets with a = SRM_TEACHER_LSTM_A), for hidden size n. */
int srm_teacher_lstm_lambda(size_t hidden, double *lambda);

/* A random stable teacher with decoder (output > 0): randomize(scale 1) then project(exact). */
int srm_teacher_init(srm_model *teacher, double lambda, gsl_rng *rng);

/* Draws `seqs` input sequences of length `length` and runs the teacher over them. */
int srm_teacher_data_alloc(const srm_model *teacher, size_t seqs, size_t length,
                           gsl_rng *rng, srm_teacher_data **out);
void srm_teacher_data_free(srm_teacher_data *task);

#endif
