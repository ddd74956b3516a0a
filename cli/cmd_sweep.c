/* cli/cmd_sweep.c: `srm sweep plan|run|slurm|collect` (cli/sweep.h): a grid of srm runs planned
 * into a folder, run by GNU parallel or a Slurm job array, and aggregated across seeds. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/sweep.h"
#include "core/error.h"

static const char *const sweep_help =
    "usage: srm sweep plan SWEEP COMMAND [--FLAG VALUES]...   (a grid into SWEEP/jobs.txt)\n"
    "       srm sweep run SWEEP [--jobs N]                     (GNU parallel, resumable)\n"
    "       srm sweep slurm SWEEP [--time T] [--mem M] ...     (SWEEP/sweep.sbatch, a job array)\n"
    "       srm sweep collect SWEEP                            (summary.tsv, .md, a figure)\n"
    "\n"
    "Sweeps of srm train, lockstep, truncate, trajectory or certify over a grid of their flags\n"
    "(seeds, lambda, k, tasks, cells, stable or not), run on the engines a researcher has: GNU\n"
    "parallel on one machine or a few, Slurm job arrays on a cluster; srm schedules nothing\n"
    "itself. Three commands from a grid to a figure with error bars:\n"
    "    srm sweep plan sw train --task atis,jsb --cell rnn,lstm --stable off,on --seed 1-5\n"
    "    srm sweep run sw --jobs 2          (or: srm sweep slurm sw && sbatch sw/sweep.sbatch)\n"
    "    srm sweep collect sw               (sw/summary.md, sw/fig-sweep-metric.png)\n"
    "srm sweep ACTION --help gives each action's options.\n";

int srm_cmd_sweep(int argc, char **argv)
{
    if (argc < 2)
        return SRM_ERROR(SRM_EINVAL, "an action is required: plan, run, slurm or "
                         "collect (srm sweep --help)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(sweep_help, stdout);
        return -1;
    }
    const char *a = argv[1];
    if (strcmp(a, "plan") == 0) return srm_sweep_plan(argc - 1, argv + 1);
    if (strcmp(a, "run") == 0) return srm_sweep_run(argc - 1, argv + 1);
    if (strcmp(a, "slurm") == 0) return srm_sweep_slurm(argc - 1, argv + 1);
    if (strcmp(a, "collect") == 0) return srm_sweep_collect(argc - 1, argv + 1);
    return SRM_ERROR(SRM_EINVAL, "unknown action '%s' (plan, run, slurm, collect)", a);
}
