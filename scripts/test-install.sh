#!/usr/bin/env bash
# `make install` into a scratch prefix, then c-host/tests/installed_app.c built the ways a new user
# would: with pkg-config (rustplugin: shared; rustplugin-static: the archive) and with CMake's
# find_package (the shared and the static target, c-host/tests/cmake-consumer). Checks the SONAME, the symlinks, what each program
# loads, and that the system libraries of rustplugin.pc (cargo-c, from the real archive) are the
# ones scripts/rust-native-libs.sh gives every other consumer.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
scripts/install.sh "$prefix" >/dev/null
lib=$prefix/lib
app=c-host/tests/installed_app.c
data=rust-plugin/rustplugin/data/demo-users.json
cc=${CC:-cc}
fail() { echo "test-install: $*" >&2; exit 1; }

soname=$(readelf -d "$lib/librustplugin.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
abi_major=$(sed -n 's/^#define RP_ABI_VERSION_MAJOR //p' include/rustplugin.h)
abi_minor=$(sed -n 's/^#define RP_ABI_VERSION_MINOR //p' include/rustplugin.h)
[[ $soname == "librustplugin.so.$abi_major" ]] || fail "SONAME is '$soname', want librustplugin.so.$abi_major"
[[ $(readlink "$lib/librustplugin.so") == "librustplugin.so.$abi_major.$abi_minor.0" ]] ||
  fail "librustplugin.so -> $(readlink "$lib/librustplugin.so"), want librustplugin.so.$abi_major.$abi_minor.0"
[[ -L $lib/$soname && -L $lib/librustplugin.so ]] || fail "missing symlinks $soname / librustplugin.so"
echo "== installed: $(cd "$lib" && echo librustplugin*), SONAME $soname, headers: $(cd "$prefix/include/rustplugin" && echo *)"

# A staged install (DESTDIR, as packagers do): files under the stage, paths inside them the prefix's.
DESTDIR=$prefix/stage scripts/install.sh /opt/rustplugin >/dev/null
staged=$prefix/stage/opt/rustplugin/lib
[[ -L $staged/librustplugin.so && -f $staged/cmake/rustplugin/rustpluginConfig.cmake ]] ||
  fail "DESTDIR=$prefix/stage did not stage the library and the CMake package under it"
for pc in rustplugin rustplugin-static; do
  grep -qx 'prefix=/opt/rustplugin' "$staged/pkgconfig/$pc.pc" || fail "$pc.pc staged with the wrong prefix"
done
echo "== DESTDIR: staged under the stage, $(cd "$staged" && echo pkgconfig/*) with prefix=/opt/rustplugin"

export PKG_CONFIG_PATH=$lib/pkgconfig
pc_libs=$(sed -n 's/^Libs.private: //p' "$lib/pkgconfig/rustplugin.pc")
[[ $pc_libs == "$(scripts/rust-native-libs.sh)" ]] ||
  fail "rustplugin.pc says the archive needs '$pc_libs', scripts/rust-native-libs.sh '$(scripts/rust-native-libs.sh)'"
echo "== pkg-config --modversion rustplugin: $(pkg-config --modversion rustplugin); Libs.private: $pc_libs"

warnings=(-std=c99 -Wall -Wextra -Werror -pedantic)
# shellcheck disable=SC2046 # pkg-config output is meant to be split into words
"$cc" "${warnings[@]}" "$app" $(pkg-config --cflags --libs rustplugin) -o "$prefix/app-pkgconfig-shared"
# shellcheck disable=SC2046
"$cc" "${warnings[@]}" "$app" $(pkg-config --cflags --libs rustplugin-static) -o "$prefix/app-pkgconfig-static"
cmake -S c-host/tests/cmake-consumer -B "$prefix/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" >"$prefix/cmake.log" 2>&1 || { cat "$prefix/cmake.log" >&2; exit 1; }
cmake --build "$prefix/cmake-build" >>"$prefix/cmake.log" 2>&1 || { cat "$prefix/cmake.log" >&2; exit 1; }
cp "$prefix/cmake-build/app-cmake-shared" "$prefix/cmake-build/app-cmake-static" "$prefix/"

needed() { readelf -d "$prefix/app-$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
[[ $(needed pkgconfig-shared) == *"$soname"* ]] || fail "app-pkgconfig-shared does not load $soname: $(needed pkgconfig-shared)"
[[ $(needed cmake-shared) == *"$soname"* ]] || fail "app-cmake-shared does not load $soname: $(needed cmake-shared)"
[[ $(needed pkgconfig-static) != *librustplugin* ]] || fail "app-pkgconfig-static still loads librustplugin"
[[ $(needed cmake-static) != *librustplugin* ]] || fail "app-cmake-static still loads librustplugin"
echo "linked: pkg-config rustplugin needs $(needed pkgconfig-shared); rustplugin-static needs $(needed pkgconfig-static)"
echo "        CMake rustplugin::rustplugin needs $(needed cmake-shared); rustplugin::rustplugin_static needs $(needed cmake-static)"

for flavour in pkgconfig-shared pkgconfig-static cmake-shared cmake-static; do
  echo "== installed_app, $flavour"
  LD_LIBRARY_PATH=$lib "$prefix/app-$flavour" "$data"
done
