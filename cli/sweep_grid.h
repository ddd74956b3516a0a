/* cli/sweep_grid.h: the grid of srm sweep plan (cli/sweep_grid.c): axes in order, each with
 * its values; the jobs are their product (cli/sweep_plan.c). */
#ifndef SRM_CLI_SWEEP_GRID_H
#define SRM_CLI_SWEEP_GRID_H

#include <stddef.h>

#include "cli/sweep.h"

#define MAX_AXES 32
#define MAX_VALUES 256

typedef struct {
    char *name; /* a flag without "--", or @1, @2... for positional arguments */
    char *value[MAX_VALUES];
    size_t n;
    int boolean; /* values on/off: the flag present or absent */
} axis;

typedef struct {
    axis a[MAX_AXES];
    size_t n;
} grid;

void srm_sweep_grid_free(grid *g);
/* Adds the axes of a grid file. */
int srm_sweep_grid_file(const char *path, grid *g);
/* Adds the axes of cmd's arguments: positional ones first (@1, @2; a value that names a file
 * made absolute), then --name value, --name=value or --name alone (on). */
int srm_sweep_grid_flags(int argc, char **argv, const srm_sweep_command *cmd, grid *g);

#endif
