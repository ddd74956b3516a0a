#!/bin/sh
# scripts/install.sh: `make install` (Makefile). Copies the binary to PREFIX/bin, libsrm.a to
# PREFIX/lib, the library headers to PREFIX/include/srm/<layer>/, the gnuplot scripts to
# PREFIX/share/srm/plots (the installed srm finds them with SRM_HOME=PREFIX/share/srm), and
# writes PREFIX/lib/pkgconfig/srm.pc:
#   scripts/install.sh DESTDIR PREFIX BINARY LIBRARY "LDLIBS"
set -e
DESTDIR=$1 PREFIX=$2 BIN=$3 LIB=$4 LIBS=$5
case $PREFIX in /*) ;; *) echo "make install: PREFIX must be an absolute path (got '$PREFIX')" >&2; exit 2 ;; esac
root=$DESTDIR$PREFIX
version=$(sed -n 's/^#define SRM_VERSION "\(.*\)"/\1/p' core/meta.h)
install -d "$root/bin" "$root/lib/pkgconfig" "$root/share/srm/plots"
install -m 755 "$BIN" "$root/bin/srm"
install -m 644 "$LIB" "$root/lib/libsrm.a"
for layer in core theory sim task; do
    install -d "$root/include/srm/$layer"
    install -m 644 "$layer"/*.h "$root/include/srm/$layer/"
done
install -m 644 plots/*.gp "$root/share/srm/plots/"
cat >"$root/lib/pkgconfig/srm.pc" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: srm
Description: stability theory of recurrent models (Miller & Hardt, ICLR 2019): norms, bounds, projections, RNN/LSTM/GRU
Version: $version
Libs: -L\${libdir} -lsrm $LIBS
Cflags: -I\${includedir}/srm
PC
echo "installed srm $version into $root (SRM_HOME=$PREFIX/share/srm for the figures)"
