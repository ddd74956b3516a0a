#!/bin/sh
# Checks for what srm needs to build and run its demo, and installs only what is missing
# (Debian 12 packages, apt-get; through sudo when not root). Says what it does.
set -e
need=""
have_header() { [ -f "/usr/include/$1" ] || [ -f "/usr/include/x86_64-linux-gnu/$1" ]; }
have_header lapacke.h        || need="$need liblapacke-dev"
have_header gsl/gsl_vector.h || need="$need libgsl-dev"
have_header jansson.h        || need="$need libjansson-dev"
ls /usr/lib/*/libopenblas.so >/dev/null 2>&1 || ls /usr/lib/libopenblas.so >/dev/null 2>&1 \
    || need="$need libopenblas-dev"
command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot-nox"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
# srm sweep's engines, and its tests on them: GNU parallel, and a one-node Slurm (slurmctld,
# slurmd, sbatch) with munge for its authentication.
command -v parallel >/dev/null 2>&1 || need="$need parallel"
command -v slurmctld >/dev/null 2>&1 || need="$need slurm-wlm"
command -v munged >/dev/null 2>&1 || need="$need munge"
# make sanitize needs the AddressSanitizer and UBSan runtimes (libasan, libubsan; on Debian 12
# they come with gcc-12 through libgcc-12-dev): try to link a program with them.
have_sanitizers() {
    command -v cc >/dev/null 2>&1 || return 1
    t=$(mktemp -d) || return 1
    printf 'int main(void) { return 0; }\n' >"$t/s.c"
    cc -fsanitize=address,undefined "$t/s.c" -o "$t/s" >/dev/null 2>&1 && "$t/s"
    r=$?
    rm -rf "$t"
    return $r
}
if ! have_sanitizers; then
    v=$(cc -dumpversion 2>/dev/null | cut -d. -f1)
    need="$need libasan8 libubsan1 libgcc-${v:-12}-dev"
fi
if [ -z "$need" ]; then
    echo "deps: all present (LAPACKE, OpenBLAS, GSL, jansson, gnuplot, ASan/UBSan runtimes," \
        "GNU parallel, Slurm, munge)"
    exit 0
fi
# shellcheck disable=SC2086
sh "$(dirname "$0")/apt_install.sh" deps $need
echo "deps: done"
