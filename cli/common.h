/* cli/common.h: what several commands share, so that each writes it once: finding the srm
 * repository (plots/, proofs-notes/) from the executable, the required --task option, the
 * "load MODEL, fill a report, print it as text or JSON" frame of the model commands, and
 * opening a TSV with its provenance lines. */
#ifndef SRM_CLI_COMMON_H
#define SRM_CLI_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "core/atomic.h"
#include "core/model.h"
#include "core/report.h"
#include "task/dataset.h"

/* The srm repository: $SRM_HOME when it holds `probe` (a path inside the repository, e.g.
 * "plots/fig-analyze-jacobian.gp"), else the folder of the executable or one of its two
 * parents that holds it. Writes the folder into home and returns 1; 0 when none holds it. */
int srm_cli_find_home(const char *probe, char *home, size_t size);

/* --task T: required, and one of the benchmark tasks. */
int srm_cli_task(const char *text, srm_task *task);
/* Whether the file holds more than one layer or direction, or a GRU: what the one-layer
 * commands hand over to srm certify or sim/stack.h. */
int srm_cli_whole_module(const char *path, int *whole);
/* --task T of a command on a trained model: optional when the model's metadata names its task
 * (srm train writes it), and it must agree with it when both are there. */
int srm_cli_model_task(const char *text, const char *model, srm_task *task);

/* The frame of a command on one model file: loads `path`, calls fill(m, r, ctx) to add the
 * results (and do the work), prints the report to stdout as text or JSON when fill succeeded,
 * and frees both. */
typedef int (*srm_cli_model_fn)(srm_model *m, srm_report *r, void *ctx);
int srm_cli_model_report(const char *path, srm_cli_model_fn fill, void *ctx, int json);

/* An output TSV written atomically (core/atomic.h): open writes the provenance `#` lines
 * (core/meta.h); close commits it, or aborts it on a write error. */
int srm_cli_tsv_open(srm_atomic *a, const char *path);
int srm_cli_tsv_close(srm_atomic *a, const char *path);

#endif
