#!/usr/bin/env bash
# The C side of `make test`: the API suite under ASan+UBSan and under valgrind memcheck, the
# 100-round unload test, the HTTP plugin lifecycle, GetJsonRow, the three demo hosts (same answers), and the
# loader refusing bad plugins.
set -euo pipefail
cd "$(dirname "$0")/.."

build=c-host/build
rust_lib=${RUST_LIB:-target/release}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

demo=rust-plugin/rustplugin/data/demo-users.json
generated=$scratch/users-1000.json
"$rust_lib/gen-users" 1000 --seed 1 --output "$generated"

echo "== test_api under AddressSanitizer + UndefinedBehaviorSanitizer (static link)"
"$build/test_api-asan" "$demo" "$generated" "$scratch"

echo "== test_api under valgrind memcheck (dynamic link)"
valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible \
  "$build/test_api-dynamic" "$demo" "$generated" "$scratch"

echo "== unload: dlopen/use/dlclose x100"
"$build/test_unload" "$rust_lib/librustplugin.so"

echo "== HTTP plugins: load, init, handle, close, unload, reload, faults (AddressSanitizer + UBSan)"
"$build/test_http_plugins" "$rust_lib" "$build"

echo "== out of process: the C client of rp_process.h, faults in the server, deadlines"
"$build/test_process" "$rust_lib"

echo "== GetJsonRow from C (rp_json_row.h, generated), AddressSanitizer + UBSan"
"$build/test_json_row"

echo "== the three hosts print the same answers"
for flavour in static dynamic dlopen; do
  "$build/host-$flavour" >"$scratch/$flavour.out"
done
grep -q '^Add(1,2) = 3$' "$scratch/static.out"
[[ $(grep -c '^GetUser(opaque_id, idp) -> ' "$scratch/static.out") -eq 4 ]]
grep -q '^FindUsers("einstein") -> 1: einstein$' "$scratch/static.out"
cmp "$scratch/static.out" "$scratch/dynamic.out"
cmp "$scratch/static.out" "$scratch/dlopen.out"
echo "host-static, host-dynamic and host-dlopen: identical output ($(wc -l <"$scratch/static.out") lines)"

echo "== the dlopen host refuses what is not a compatible plugin"
expect_refusal() { # PLUGIN EXPECTED-MESSAGE
  if "$build/host-dlopen" "$1" >/dev/null 2>"$scratch/err"; then
    echo "host-dlopen accepted $1" >&2
    exit 1
  fi
  grep -q "$2" "$scratch/err" || { echo "unexpected message: $(cat "$scratch/err")" >&2; exit 1; }
  echo "refused $(basename "$1"): $(cat "$scratch/err")"
}
abi=$(sed -n 's/^#define RP_ABI_VERSION_MAJOR //p' include/rustplugin.h).$(sed -n 's/^#define RP_ABI_VERSION_MINOR //p' include/rustplugin.h)
expect_refusal "$build/libfake-abi99.so" "plugin ABI 99.0 .* incompatible with this host's ABI $abi"
expect_refusal "$build/libnot-a-plugin.so" "not a rustplugin plugin"
expect_refusal "$scratch/missing.so" "No such file or directory"
echo "not an ELF file" >"$scratch/corrupt.so"
expect_refusal "$scratch/corrupt.so" "it is not an ELF file"
