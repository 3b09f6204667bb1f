#!/usr/bin/env bash
# Checks the C API's surface: the header compiles cleanly as C99 and C++17 with every compiler
# present (gcc, g++, clang-19), and the shared library exports exactly the functions the header
# declares, nothing more (no Rust std symbols).
set -euo pipefail
cd "$(dirname "$0")/.."

header=include/rustplugin.h
library=${RUST_LIB:-target/release}/librustplugin.so
flags=(-Wall -Wextra -Werror -pedantic -fsyntax-only -Iinclude)
source_c='#include "rustplugin.h"
int main(void) {
  rp_str name = rp_cstr("einstein");
  return (int)name.len + rp_plugin_check_descriptor(NULL);
}'

compilers=(gcc:c:c99 g++:c++:c++17)
command -v clang-19 >/dev/null && compilers+=(clang-19:c:c99 clang-19:c++:c++17)
for entry in "${compilers[@]}"; do
  IFS=: read -r compiler language standard <<<"$entry"
  printf '%s\n' "$source_c" | "$compiler" -x "$language" -std="$standard" "${flags[@]}" -
  echo "header: compiles with $compiler -std=$standard -Wall -Wextra -Werror -pedantic"
done
command -v clang-19 >/dev/null || echo "header: clang-19 not installed, checked with gcc/g++ only (make deps installs it)"

# Functions declared at file scope (not the static inline helpers, not struct fields).
declared=$(grep -E '^[A-Za-z][^(#]*[ *][A-Za-z_][A-Za-z0-9_]*\(' "$header" | grep -v '^static' |
  sed -E 's/^[^(]*[ *]([A-Za-z_][A-Za-z0-9_]*)\(.*/\1/' | sort)
exported=$(nm -D --defined-only "$library" | awk '{print $3}' | sort)
if [[ "$declared" != "$exported" ]]; then
  echo "header: the exports of $library differ from the header's functions:" >&2
  diff <(echo "$declared") <(echo "$exported") >&2 || true
  exit 1
fi
echo "header: $library exports exactly the $(wc -l <<<"$exported") functions of $header"
