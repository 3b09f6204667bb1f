#!/usr/bin/env bash
# Instructions per call, exactly: callgrind around each loop run N and 2N times, counting only the
# loop (count_loop); bench-report takes (Ir(2N) - Ir(N)) / N, which cancels the set-up. The loops:
# cpp-bench's binaries (--count_instructions: C++ into Rust through each linkage, and the native
# baselines) and rust-bench's rust_count example (Rust into Rust: natively, the static C ABI, the
# shared library, and into the Wasm guest under wasmtime: its compiled code is counted as any other,
# and the count is as exact, run to run). Calls into Go switch stacks, which hides the loop from callgrind's toggle: those
# count the whole program (within ~1%, Go's runtime threads).
#   scripts/count-instructions.sh OUT DATA_DIR          every loop, callgrind files into OUT (a loop
#                                                       in the Go c-archive's binary that trips
#                                                       valgrind is left out, with a warning)
#   scripts/count-instructions.sh OUT DATA_DIR --gate   the loops make test's gate holds (no Go:
#                                                       under callgrind it now and then trips valgrind)
#   scripts/count-instructions.sh OUT DATA_DIR --quick  every loop but the Wasm ones (make bench
#                                                       QUICK=1: wasmtime compiles the module under
#                                                       valgrind for 8.6 s a run; the gate counts them)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 data=$2 mode=${3:-}
build=cpp-bench/build
read -r -a flavours <<<"$(make --no-print-directory -s -C cpp-bench flavours)"
rm -rf "$out"
mkdir -p "$out"

count() { # BINARY NAME [TOGGLE]: callgrind files of NAME at N and 2N iterations
  local binary=$1 name=$2 toggle=(--toggle-collect='*count_loop*') n=20000 go=()
  [[ ${3:-} == whole-program ]] && toggle=()
  # Go's runtime preempts with signals (SIGURG), and callgrind now and then fails an assertion on
  # one (threads.c: vgCallgrind_post_signal), which took a whole `make bench` down: every loop of
  # the binary that starts Go runs without asynchronous preemption, and one that still trips
  # valgrind is left out, said.
  [[ $binary == */bench_carchive ]] && go=(env GODEBUG=asyncpreemptoff=1)
  [[ $name == GetUsers/* ]] && n=2000 # a batch of 16 keys a call
  for iterations in $n $((2 * n)); do
    local file=$out/$(basename "$binary").${name//\//_}.$iterations.out
    if ! "${go[@]}" valgrind -q --tool=callgrind "${toggle[@]}" --callgrind-out-file="$file" \
      "$binary" --data_dir="$data" --count_instructions="$name" --iterations=$iterations \
      >"$out/valgrind.log" 2>&1; then
      ((${#go[@]})) || { cat "$out/valgrind.log" >&2; return 1; }
      echo "count-instructions: valgrind failed on $name (Go): no count for it this run:" >&2
      tail -n 5 "$out/valgrind.log" >&2
      rm -f "$out/$(basename "$binary").${name//\//_}".*.out
      return 0
    fi
  done
}

for flavour in "${flavours[@]}"; do
  [[ $flavour == json_row ]] && continue # GetJsonRow's binary counts nothing (yet)
  [[ $flavour == carchive && $mode == --gate ]] && continue
  names=("Add/cpp/native" "Add/cpp/native_noinline" "Add/cpp/$flavour")
  [[ $flavour != carchive ]] && names+=("GetUser/cpp/native/4" "GetUser/cpp/$flavour/4")
  # Every method through the archive.
  [[ $flavour == static ]] && for op in GetUserByClaim GetUserGroups FindUsers GetUsers; do names+=("$op/cpp/static/4"); done
  # The batch: natively (16 lookups), through the archive and through the descriptor.
  [[ $flavour == static ]] && names+=("GetUsers/cpp/native/4")
  [[ $flavour == dlopen ]] && names+=("GetUsers/cpp/dlopen/4")
  for name in "${names[@]}"; do
    if [[ $name == */carchive ]]; then count "$build/bench_$flavour" "$name" whole-program; else count "$build/bench_$flavour" "$name"; fi
  done
done

cargo build -q --release --workspace --example rust_count
names=(Add/rust/native Add/rust/static Add/rust/dlopen GetUser/rust/native/4 GetUser/rust/static/4
  GetUser/rust/dlopen/4 GetUserByClaim/rust/native/4 GetUserByClaim/rust/static/4 GetUserGroups/rust/static/4
  FindUsers/rust/static/4 FindUsers/rust/dlopen/4 GetUsers/rust/dlopen/4)
if [[ $mode != --quick ]]; then
  scripts/build-wasm.sh # rustplugin.wasm, which the Wasm loops run
  names+=(Add/rust/wasm GetUser/rust/wasm/4)
fi
for name in "${names[@]}"; do
  count target/release/examples/rust_count "$name"
done
