#!/usr/bin/env bash
# Instructions per call, exactly: callgrind counts each loop (count_loop, --toggle-collect) and dumps
# after each (--dump-after): one process a binary runs every loop of it, each at a warm-up length
# (first calls: lazy binding, the allocator's caches), then N and 2N iterations; bench-report takes
# (Ir(2N) - Ir(N)) / N. The loops: cpp-bench's binaries (--count_instructions: C++ into Rust
# through each linkage, and the native baselines) and rust-bench's rust_count example (Rust into
# Rust: natively, the static C ABI, the shared library, and into the Wasm guest under wasmtime: its
# compiled code is counted as any other, and the count is as exact, run to run). Calls into Go
# switch stacks, which hides the loop from callgrind's toggle: those count the whole program, a
# process at N and one at 2N (within ~1%, Go's runtime threads).
#   scripts/count-instructions.sh OUT DATA_DIR          every loop, callgrind files into OUT (a run
#                                                       of the Go c-archive's binary that trips
#                                                       valgrind is left out, its loops said)
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

# Whole turns of the key schedules (1024 keys, 64 batches of 16): a loop's count does not depend on
# where the loops before it left the cursor.
n=20480 warm_up=2048

# valgrind's callgrind, its output in FILE (more files, FILE.1, FILE.2, ..., with dumps). A binary
# that starts Go runs without asynchronous preemption: Go's runtime preempts with signals (SIGURG),
# and callgrind now and then fails an assertion on one (threads.c: vgCallgrind_post_signal), which
# took a whole `make bench` down; a run that still trips valgrind is left out, said (status 1).
# Any other failure ends the script.
callgrind() { # FILE [CALLGRIND OPTIONS] BINARY ARGS...
  local file=$1 go=() arg
  shift
  for arg; do [[ $arg != */bench_carchive ]] || go=(env GODEBUG=asyncpreemptoff=1); done
  if ! "${go[@]}" valgrind -q --tool=callgrind --callgrind-out-file="$file" "$@" \
    >"$out/valgrind.log" 2>&1; then
    ((${#go[@]})) || { cat "$out/valgrind.log" >&2; exit 1; }
    echo "count-instructions: valgrind failed (Go): no count this run for: $*" >&2
    tail -n 5 "$out/valgrind.log" >&2
    rm -f "$file" "$file".*
    return 1
  fi
}

count() { # BINARY NAME...: every loop in one process, a callgrind file each
  local binary=$1
  shift
  local names
  names=$(IFS=,; echo "$*")
  # The toggle and the dump name the loop with different patterns: callgrind keeps one option per
  # pattern.
  callgrind "$out/$(basename "$binary").out" --toggle-collect='*count_loop*' \
    --dump-after='*::count_loop*' "$binary" --data_dir="$data" --count_instructions="$names" \
    --iterations=$warm_up,$n,$((2 * n)) || true # said
}

count_whole_program() { # BINARY NAME: the whole program at N and 2N iterations
  local binary=$1 name=$2 iterations prefix
  prefix=$out/$(basename "$binary").${name//\//_}
  for iterations in $n $((2 * n)); do
    callgrind "$prefix.$iterations.out" "$binary" --data_dir="$data" --count_instructions="$name" \
      --iterations=$iterations || { rm -f "$prefix".*.out; break; } # no pair, no count
  done
}

for flavour in "${flavours[@]}"; do
  [[ $flavour == json_row ]] && continue # GetJsonRow's binary counts nothing (yet)
  [[ $flavour == carchive && $mode == --gate ]] && continue
  names=("Add/cpp/native" "Add/cpp/native_noinline")
  if [[ $flavour == carchive ]]; then
    count_whole_program "$build/bench_$flavour" "Add/cpp/$flavour"
  else
    names+=("Add/cpp/$flavour" "GetUser/cpp/native/4" "GetUser/cpp/$flavour/4")
  fi
  # Every method through the archive.
  [[ $flavour == static ]] && for op in GetUserByClaim GetUserGroups FindUsers GetUsers; do names+=("$op/cpp/static/4"); done
  # The batch: natively (16 lookups), through the archive and through the descriptor.
  [[ $flavour == static ]] && names+=("GetUsers/cpp/native/4")
  [[ $flavour == dlopen ]] && names+=("GetUsers/cpp/dlopen/4")
  count "$build/bench_$flavour" "${names[@]}"
done

cargo build -q --release --workspace --example rust_count
names=(Add/rust/native Add/rust/static Add/rust/dlopen GetUser/rust/native/4 GetUser/rust/static/4
  GetUser/rust/dlopen/4 GetUserByClaim/rust/native/4 GetUserByClaim/rust/static/4 GetUserGroups/rust/static/4
  FindUsers/rust/static/4 FindUsers/rust/dlopen/4 GetUsers/rust/dlopen/4)
if [[ $mode != --quick ]]; then
  scripts/build-wasm.sh # rustplugin.wasm, which the Wasm loops run
  names+=(Add/rust/wasm GetUser/rust/wasm/4)
fi
count target/release/examples/rust_count "${names[@]}"
