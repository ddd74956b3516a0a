# tests/cli/test_install.sh: `make install PREFIX=...` (binary, library, headers, srm.pc), a
# program built against the installed library with pkg-config, and user CFLAGS added to the
# Makefile's own flags rather than replacing them.
. "$(dirname "$0")/lib.sh"
P="$TMP/prefix"
ok "make install PREFIX=$P" make -C "$TOP" --no-print-directory install PREFIX="$P"
ok "the installed srm runs" "$P/bin/srm" --version
expect "and says its version" grep -q '^srm [0-9]' "$TMP/out"
expect "library, headers, srm.pc and plots are installed" sh -c "[ -f '$P/lib/libsrm.a' ] && [ -f '$P/include/srm/theory/norm.h' ] && [ -f '$P/lib/pkgconfig/srm.pc' ] && ls '$P/share/srm/plots/' | grep -q '\\.gp\$'"
cat >"$TMP/use.c" <<'C'
#include <stdio.h>
#include "theory/norm.h"
int main(void)
{
    double w[4] = {3, 0, 0, 4}, norm = 0; /* diag(3, 4): ||w||_2 = 4 */
    srm_svd_workspace *ws = srm_svd_workspace_alloc(2, 2);
    if (!ws || srm_norm_spectral(w, 2, 2, ws, &norm) != 0) return 1;
    srm_svd_workspace_free(ws);
    printf("%.17g\n", norm);
    return 0;
}
C
flags=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs srm)
ok "a program builds against it with pkg-config ($flags)" sh -c "cc -o '$TMP/use' '$TMP/use.c' $flags"
ok "and runs" "$TMP/use"
expect "computing ||diag(3, 4)||_2 = 4 with srm's library" [ "$(cat "$TMP/out")" = 4 ]
expect "a relative PREFIX is refused, saying why" sh -c "! make -s -C '$TOP' --no-print-directory install PREFIX=relative/p 2>'$TMP/err' && grep -q 'PREFIX must be an absolute path' '$TMP/err' && [ ! -e '$TOP/relative' ]"
# make CFLAGS=... adds to the Makefile's flags (dry run of one object)
ok "make -n with CFLAGS and LDFLAGS" make -s -C "$TOP" -n -B build/core/error.o srm CFLAGS=-DSRM_USER_FLAG LDFLAGS=-Wl,--as-needed
expect "the compile line keeps -O2, -I. and -Wall and adds the user's flag" sh -c "grep 'core/error.c' '$TMP/out' | grep -q -- '-O2.*-Wall.*-I\\..*-DSRM_USER_FLAG'"
expect "the link line carries LDFLAGS" sh -c "grep -- '-o srm ' '$TMP/out' | grep -q -- '-Wl,--as-needed'"
finish
