#!/usr/bin/env bash
# `make install PREFIX=... [DESTDIR=...]`: installs the static and shared libraries, the headers and
# two pkg-config files:
#   rustplugin         -lrustplugin (the shared library); `--static` adds the system libraries the
#                      Rust archive needs, for `cc -static`
#   rustplugin-static  the archive itself, for a binary that embeds the plugin but links libc dynamically
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${1:?usage: install.sh PREFIX}
destdir=${DESTDIR:-}
rust_lib=${RUST_LIB:-target/release}
header=include/rustplugin.h
version=$(sed -n 's/^#define RP_VERSION "\(.*\)"$/\1/p' "$header")
# What the Rust archive needs from the system (`rustc --print native-static-libs`); -lgcc_s is left
# out because gcc links its static twin (libgcc_eh) itself under -static.
native_libs="-lutil -lrt -lpthread -lm -ldl"

libdir=$prefix/lib
includedir=$prefix/include
pcdir=$libdir/pkgconfig
install -d "$destdir$libdir" "$destdir$includedir" "$destdir$pcdir"
install -m 644 "$rust_lib/librustplugin.a" "$destdir$libdir/"
install -m 755 "$rust_lib/librustplugin.so" "$destdir$libdir/"
install -m 644 include/*.h "$destdir$includedir/"

pc_head="prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include
"
cat >"$destdir$pcdir/rustplugin.pc" <<PC
${pc_head}
Name: rustplugin
Description: Rust plugin with a C ABI: Add and the reva JSON UserManager (shared library)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lrustplugin
Libs.private: $native_libs
PC
cat >"$destdir$pcdir/rustplugin-static.pc" <<PC
${pc_head}
Name: rustplugin-static
Description: Rust plugin with a C ABI: Add and the reva JSON UserManager (static archive)
Version: $version
Cflags: -I\${includedir}
Libs: \${libdir}/librustplugin.a $native_libs
PC
echo "installed rustplugin $version into $destdir$prefix (lib, include, lib/pkgconfig)"
