/* core/meta.h: provenance of every output srm writes.
 *
 * main() records the command line once; every output file then starts with `#` lines giving the
 * srm version, the command line, the seed (if any) and the date, so a figure can be traced to the
 * run that made it. Safetensors files carry the same facts in `__metadata__`. */
#ifndef SRM_META_H
#define SRM_META_H

#include <stdio.h>

#define SRM_VERSION "0.1.0"

void srm_meta_init(int argc, char **argv);
void srm_meta_set_seed(unsigned long seed);
int srm_meta_has_seed(void);
unsigned long srm_meta_seed(void);
const char *srm_meta_command(void); /* the full command line, shell-quoted where needed */
const char *srm_meta_date(void);    /* ISO 8601 UTC time of srm_meta_init */

/* The run an output belongs to (srm train, lockstep): set once per run and kept across
 * --resume, so that every file of a run folder names the same run. NULL/"": none. */
void srm_meta_set_run(const char *id);
const char *srm_meta_run(void); /* "" when none */
/* A new run id: the start time and the process ("2026-12-07T20:01:49Z-1234"), or $SRM_RUN_ID. */
void srm_meta_new_run(char *out, size_t size);

/* The BLAS that computes: OpenBLAS's build configuration, the kernels it chose for this CPU
 * (its core name; OPENBLAS_CORETYPE overrides it) and its thread count. Float32 training that
 * amplifies rounding (an unconstrained RNN at a high learning rate) can end elsewhere with
 * other kernels or threads, so srm train's result.json records it. */
const char *srm_meta_blas(void);

/* Writes "# srm VERSION", "# command: ...", "# seed: ..." (when set), "# date: ...", and
 * "# run: ..." when a run is set. */
void srm_meta_write(FILE *f);

#endif
