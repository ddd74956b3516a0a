/* cli/plot.h: running the gnuplot script of a figure (plots/NAME.gp, one script per figure)
 * for png and svg, shared by the commands that draw (srm analyze, srm lockstep). */
#ifndef SRM_CLI_PLOT_H
#define SRM_CLI_PLOT_H

#include <stddef.h>

/* Appends name='value'; (gnuplot single quotes: ' doubled) to buf. */
void srm_cli_gp_string(char *buf, size_t size, const char *name, const char *value);

/* Runs gnuplot -e "VARS out=..; term=.." PLOTS/NAME.gp for png and svg into DIR/NAME.{png,svg}
 * (through a temporary name, renamed on success). Returns SRM_OK, or 1 when gnuplot is not
 * installed; an error naming gnuplot's first message when it fails. */
int srm_cli_plot(const char *plots, const char *dir, const char *name, const char *vars);

/* The figures names[0..n) (scripts plots/NAME.gp, found with srm_cli_find_home; vars[i] the
 * variables of figure i) into dir. *what says what was drawn, or why nothing was: the scripts
 * not found, or gnuplot not installed (then SRM_OK too); an error when gnuplot fails. */
int srm_cli_figures(const char *dir, const char *const *names, char *const *vars, size_t n,
                    const char **what);

#endif
