/* cli/plot.c: gnuplot figures of the commands (see plot.h). */
#include "cli/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/common.h"
#include "core/error.h"

/* Appends name='value' (gnuplot single quotes: ' doubled) to buf. */
void srm_cli_gp_string(char *buf, size_t size, const char *name, const char *value)
{
    size_t len = strlen(buf);
    if (len + strlen(name) + 8 >= size) return; /* no room: the caller's buffers are ample */
    len += (size_t)snprintf(buf + len, size - len, "%s='", name);
    for (const char *p = value; *p && len + 3 < size; p++) {
        if (*p == '\'') buf[len++] = '\'';
        buf[len++] = *p;
    }
    snprintf(buf + len, size - len, "'; ");
}

/* Runs gnuplot -e "VARS out=..; term=.." plots/NAME.gp for png and svg into DIR/NAME.{png,svg}
 * (through a temporary name, renamed on success). Returns SRM_OK, or 1 when gnuplot is not
 * installed; an error naming gnuplot's first message when it fails. */
int srm_cli_plot(const char *plots, const char *dir, const char *name, const char *vars)
{
    static const char *const terms[] = {"png", "svg"};
    char script[4200], errpath[4200], out[4200], tmp[4300], *e = NULL;
    size_t elen = strlen(vars) + 2 * sizeof out + 64;
    snprintf(script, sizeof script, "%s/%s.gp", plots, name);
    snprintf(errpath, sizeof errpath, "%s/.%s.gnuplot-err.%ld", dir, name, (long)getpid());
    int rc = SRM_OK;
    for (int i = 0; rc == SRM_OK && i < 2; i++) {
        snprintf(out, sizeof out, "%s/%s.%s", dir, name, terms[i]);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
        free(e);
        if (!(e = malloc(elen))) return SRM_ERROR(SRM_ENOMEM, "out of memory");
        snprintf(e, elen, "%s", vars);
        srm_cli_gp_string(e, elen, "out", tmp);
        srm_cli_gp_string(e, elen, "term", terms[i]);
        char *argv[] = {"gnuplot", "-e", e, script, NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errpath,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid;
        extern char **environ;
        int err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ), status = 0;
        posix_spawn_file_actions_destroy(&fa);
        if (err == ENOENT) {
            rc = 1;
        } else if (err != 0) {
            rc = SRM_ERROR(SRM_EIO, "cannot run gnuplot: %s", strerror(err));
        } else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
                   WEXITSTATUS(status) != 0) {
            char msg[300] = "";
            FILE *f = fopen(errpath, "r");
            if (f && fgets(msg, sizeof msg, f)) msg[strcspn(msg, "\n")] = '\0';
            if (f) fclose(f);
            remove(tmp);
            rc = SRM_ERROR(SRM_EIO, "gnuplot %s (%s) failed: %s", script, terms[i], msg);
        } else if (rename(tmp, out) != 0) {
            rc = SRM_ERROR(SRM_EIO, "%s: cannot rename into place: %s", out, strerror(errno));
        }
        remove(errpath);
    }
    free(e);
    return rc;
}

int srm_cli_figures(const char *dir, const char *const *names, char *const *vars, size_t n,
                    const char **what)
{
    static char drawn[512];
    char home[4000], probe[300], plots[4096];
    snprintf(probe, sizeof probe, "plots/%s.gp", names[0]);
    int found = srm_cli_find_home(probe, home, sizeof home), rc = SRM_OK;
    snprintf(plots, sizeof plots, "%s/plots", home);
    for (size_t i = 0; found && rc == SRM_OK && i < n; i++)
        rc = srm_cli_plot(plots, dir, names[i], vars[i]);
    if (!found) {
        *what = "skipped (the plots/*.gp scripts not found; set SRM_HOME)";
    } else if (rc == 1) {
        *what = "skipped (gnuplot not installed: make deps)";
    } else {
        drawn[0] = '\0';
        for (size_t i = 0; i < n; i++)
            snprintf(drawn + strlen(drawn), sizeof drawn - strlen(drawn), "%s%s", i ? ", " : "",
                     names[i]);
        snprintf(drawn + strlen(drawn), sizeof drawn - strlen(drawn), " (.png, .svg)");
        *what = drawn;
    }
    return rc == 1 ? SRM_OK : rc;
}
