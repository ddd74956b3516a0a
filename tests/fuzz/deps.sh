#!/bin/sh
# tests/fuzz/deps.sh CLANG: checks that CLANG builds a libFuzzer program with ASan, UBSan and
# OpenMP (what tests/fuzz/fuzz.mk needs), and installs what is missing as scripts/deps.sh does
# (Debian 12 packages, apt-get; through sudo when not root). Says what it does in one line.
set -e
clang=${1:-clang}
works() {
    command -v "$clang" >/dev/null 2>&1 || return 1
    t=$(mktemp -d) || return 1
    printf '#include <stddef.h>\n#include <stdint.h>\n%s\n' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$t/f.c"
    "$clang" -fsanitize=fuzzer,address,undefined -fopenmp "$t/f.c" -o "$t/f" >/dev/null 2>&1 \
        && "$t/f" -runs=1 >/dev/null 2>&1
    r=$?
    rm -rf "$t"
    return $r
}
works && exit 0
if [ "$clang" != clang ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "fuzz: $clang cannot build libFuzzer programs (-fsanitize=fuzzer,address,undefined" \
        "-fopenmp); install clang, libclang-rt-dev and libomp-dev, or pass CLANG=..." >&2
    exit 1
fi
need="clang libclang-rt-dev libomp-dev"
# shellcheck disable=SC2086
sh "$(dirname "$0")/../../scripts/apt_install.sh" fuzz $need
if ! works; then
    echo "fuzz: $clang still cannot build libFuzzer programs after installing $need" >&2
    exit 1
fi
echo "fuzz: done"
