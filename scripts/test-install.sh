#!/usr/bin/env bash
# `make install` into a scratch prefix, then build c-host/tests/installed_app.c the way a new user
# would, with pkg-config only: dynamically, statically against the archive, and fully static.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
scripts/install.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
app=c-host/tests/installed_app.c
data=rust-plugin/data/demo-users.json
cc=${CC:-cc}

echo "== pkg-config --modversion rustplugin: $(pkg-config --modversion rustplugin)"
# shellcheck disable=SC2046 # pkg-config output is meant to be split into words
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic "$app" $(pkg-config --cflags --libs rustplugin) -o "$prefix/app-dynamic"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic "$app" $(pkg-config --cflags --libs rustplugin-static) -o "$prefix/app-static"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -static "$app" $(pkg-config --static --cflags --libs rustplugin) \
  -o "$prefix/app-fully-static" 2>"$prefix/static-link.log" || { cat "$prefix/static-link.log" >&2; exit 1; }

needed() { readelf -d "$prefix/app-$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
[[ $(needed dynamic) == *librustplugin.so* ]] || { echo "app-dynamic does not load librustplugin.so" >&2; exit 1; }
[[ $(needed static) != *librustplugin* ]] || { echo "app-static still loads librustplugin.so" >&2; exit 1; }
[[ -z $(needed fully-static) ]] || { echo "app-fully-static loads $(needed fully-static)" >&2; exit 1; }
echo "linked: app-dynamic needs $(needed dynamic); app-static needs $(needed static); app-fully-static needs nothing"

for flavour in dynamic static fully-static; do
  echo "== installed_app, linked $flavour"
  LD_LIBRARY_PATH=$prefix/lib "$prefix/app-$flavour" "$data"
done
