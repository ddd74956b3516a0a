/* cli/commands.h: every srm subcommand. Each lives in cli/cmd_<name>.c; main() finds them through
 * weak references, so a command exists exactly when its file is built in. */
#ifndef SRM_COMMANDS_H
#define SRM_COMMANDS_H

#define SRM_COMMAND_LIST(X)                                                                  \
    X(norm, "norm of a text matrix (spectral, 1, inf, Frobenius; SVD or power iteration)")   \
    X(init, "write a random model (optionally with ||W||_2 = lambda, or a stable LSTM)")      \
    X(stability,                                                                             \
      "stability verdict of a model (proofs-notes/rnn-condition.md, lstm-conditions.md)")    \
    X(bound, "truncation length needed by the inference or training bound")                 \
    X(project, "project a model onto the stable set")                                       \
    X(run, "run a model over an input sequence (optionally k-step truncated)")              \
    X(grad, "loss and exact gradient of a model on a sequence")                             \
    X(truncate, "state/output gap of every k-step truncation against the bounds")           \
    X(trajectory, "train recurrent and truncated students in lockstep, weight gap vs bound") \
    X(fit, "fitted decay rate of truncation gaps (GSL least squares of log gap on k)")      \
    X(report, "assemble the demo figures and numbers into report.html")                   \
    X(data, "datasets: counts per split (srm data stats), files vs manifest (srm data verify)") \
    X(train, "train a stable or unstable model on a benchmark task")                        \
    X(eval, "evaluate a trained model (optionally truncated)")                              \
    X(table1, "train and tabulate the paper's Table 1")                                     \
    X(analyze, "data-dependent stability of a trained model")                               \
    X(lockstep, "train a model and its truncated counterparts in lockstep on a task")     \
    X(certify, "certify any PyTorch recurrent module: every layer and direction, k per eps") \
    X(sweep, "grids of runs across seeds: plan, run (GNU parallel), slurm (job array), collect")

#define SRM_DECLARE_COMMAND(name, help) int srm_cmd_##name(int argc, char **argv);
SRM_COMMAND_LIST(SRM_DECLARE_COMMAND)
#undef SRM_DECLARE_COMMAND

#endif
