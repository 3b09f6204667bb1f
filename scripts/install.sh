#!/usr/bin/env bash
# `make install PREFIX=... [DESTDIR=...]`: installs the user manager library the way the Rust C
# libraries users know are installed (cargo-c, as rustls-ffi, rav1e and librsvg do):
#   lib/librustplugin.so.X.Y.Z, with SONAME librustplugin.so.X (X = the C ABI's major version) and
#   the symlinks librustplugin.so.X and librustplugin.so; lib/librustplugin.a;
#   include/rustplugin/ (rustplugin.h, rp_common.h, rp_http_plugin.h, as committed);
#   lib/pkgconfig/rustplugin.pc (the shared library; `--static` adds the system libraries);
# then, from the templates in rust-plugin/rustplugin/install/ filled in with what cargo-c installed:
#   lib/pkgconfig/rustplugin-static.pc (the archive inside the program, libc still shared);
#   lib/cmake/rustplugin/ (find_package: rustplugin::rustplugin and rustplugin::rustplugin_static).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${1:?usage: install.sh PREFIX   (DESTDIR in the environment stages the install)}
destdir=${DESTDIR:-}
libdir=$prefix/lib
scripts/deps.sh cargo-c
# A target folder of its own: cargo-c is built on another cargo (0.98), which in target/release
# rebuilt the build scripts and proc-macros with settings of its own once dependencies lost their
# debug info (Cargo.toml; cargo: "ConfigSettingsChanged"), and the next `cargo build` compiled all
# 300 crates again (make test's test-cpp: 289 s).
cargo cinstall --release -p rustplugin --target-dir target/capi --prefix "$prefix" --libdir "$libdir" ${destdir:+--destdir "$destdir"}

staged=$destdir$libdir
library=$(readlink "$staged/librustplugin.so")          # librustplugin.so.X.Y.Z
soname=$(readelf -d "$staged/$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
version=$(sed -n 's/^Version: //p' "$staged/pkgconfig/rustplugin.pc")
native_libs=$(scripts/rust-native-libs.sh)
install -d "$staged/cmake/rustplugin"
for template in rust-plugin/rustplugin/install/*.in; do
  name=$(basename "$template" .in)
  case $name in
    *.pc) target=$staged/pkgconfig/$name ;;
    *.cmake) target=$staged/cmake/rustplugin/$name ;;
  esac
  # CMake wants the system libraries as a list of names: "-lgcc_s -lutil" -> "gcc_s;util".
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@LIBRARY_VERSION@|${library#librustplugin.so.}|g" \
    -e "s|@ABI_MAJOR@|${soname#librustplugin.so.}|g" -e "s|@NATIVE_LIBS@|$native_libs|g" \
    -e "s|@NATIVE_LIB_NAMES@|$(sed -e 's/-l//g' -e 's/ /;/g' <<<"$native_libs")|g" "$template" >"$target"
done
echo "installed rustplugin $version ($soname) into $destdir$prefix: lib/, include/rustplugin/, lib/pkgconfig/, lib/cmake/rustplugin/"
