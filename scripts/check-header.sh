#!/usr/bin/env bash
# Checks that the C headers compile cleanly, alone and together in either order, as C99 and C++17
# with every compiler present (gcc, g++, clang-19).
set -euo pipefail
cd "$(dirname "$0")/.."

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

# What each library exports against what its header declares: tools/tidy/tests/exports.rs (make
# test-header runs it after this).
