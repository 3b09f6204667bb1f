#!/usr/bin/env bash
# Checks the C APIs' surface: the headers compile cleanly, alone and together in either order, as
# C99 and C++17 with every compiler present (gcc, g++, clang-19); the user manager library exports
# exactly the functions rustplugin.h declares (and GetJsonRow's library those of rp_json_row.h), and each HTTP plugin exactly
# rp_http_plugin_get_descriptor: nothing more (no Rust std symbols, no symbols of their crates).
set -euo pipefail
cd "$(dirname "$0")/.."

header=include/rustplugin.h
library=${RUST_LIB:-target/release}/librustplugin.so
flags=(-Wall -Wextra -Werror -pedantic -fsyntax-only -Iinclude)
main='int main(void) {
  rp_str name = rp_cstr("einstein");
  return (int)name.len + rp_plugin_check_descriptor(NULL) + rp_http_plugin_check_descriptor(NULL);
}'
sources=("#include \"rustplugin.h\"
#include \"rp_http_plugin.h\"
#include \"rp_json_row.h\"
$main" "#include \"rp_http_plugin.h\"
#include \"rustplugin.h\"
$main" '#include "rp_common.h"
int main(void) { return (int)rp_cstr("x").len - 1; }' '#include "rp_process.h"
int main(void) { rp_process_reply reply = {0, 0, 0, 0}; rp_process_reply_release(&reply); return RP_PROCESS_OP_ADD - 1; }')

compilers=(gcc:c:c99 g++:c++:c++17)
command -v clang-19 >/dev/null && compilers+=(clang-19:c:c99 clang-19:c++:c++17)
for entry in "${compilers[@]}"; do
  IFS=: read -r compiler language standard <<<"$entry"
  for source in "${sources[@]}"; do
    printf '%s\n' "$source" | "$compiler" -x "$language" -std="$standard" "${flags[@]}" -
  done
  echo "headers: compile with $compiler -std=$standard -Wall -Wextra -Werror -pedantic"
done
command -v clang-19 >/dev/null || echo "header: clang-19 not installed, checked with gcc/g++ only (make deps installs it)"

# A library exports exactly the functions its header declares at file scope (not the static inline
# helpers, not struct fields).
check_exports() {
  local header=$1 library=$2 declared exported
  declared=$(grep -E '^[A-Za-z][^(#]*[ *][A-Za-z_][A-Za-z0-9_]*\(' "$header" | grep -v '^static' |
    sed -E 's/^[^(]*[ *]([A-Za-z_][A-Za-z0-9_]*)\(.*/\1/' | sort)
  exported=$(nm -D --defined-only "$library" | awk '{print $3}' | sort)
  if [[ "$declared" != "$exported" ]]; then
    echo "header: the exports of $library differ from the header's functions:" >&2
    diff <(echo "$declared") <(echo "$exported") >&2 || true
    exit 1
  fi
  echo "header: $library exports exactly the $(wc -l <<<"$exported") functions of $header"
}
check_exports "$header" "$library"
check_exports include/rp_process.h "${RUST_LIB:-target/release}/librp_process.so"
check_exports include/rp_json_row.h "${RUST_LIB:-target/release}/librp_json_row.so"

for plugin in echo_plugin legacy_base64_plugin faulty_plugin; do
  library=${RUST_LIB:-target/release}/lib$plugin.so
  exported=$(nm -D --defined-only "$library" | awk '{print $3}')
  if [[ "$exported" != rp_http_plugin_get_descriptor ]]; then
    echo "header: $library exports more than rp_http_plugin_get_descriptor:" $exported >&2
    exit 1
  fi
done
echo "header: each HTTP plugin exports only rp_http_plugin_get_descriptor"
