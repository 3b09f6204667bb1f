#!/usr/bin/env bash
# cpp-bench runner: generates the user files, runs every flavour pinned to one CPU, has callgrind
# count each loop's instructions, and has bench-report check the LTO loop's machine code. Raw output only (google
# benchmark JSON with every repetition, callgrind files): bench-report computes the statistics.
#
#   scripts/bench-cpp.sh           5 rounds (about 2-3 minutes), results in results/cpp/
#   QUICK=1 scripts/bench-cpp.sh   3 short rounds, sweeps up to 10^4 users, no Wasm instruction counts
#   scripts/bench-cpp.sh --check   what `make test` runs: every benchmark once (a binary exits 1 on a
#                                  wrong answer or data it cannot load), the LTO inlining verified,
#                                  bench-report run over the output, and the instruction gate
#                                  (cpp-bench/instructions.json); in a scratch folder, no time asserted
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
[[ ${1:-} == --check ]] && mode=check
[[ ${QUICK:-0} == 1 && $mode == full ]] && mode=quick
build=cpp-bench/build
read -r -a flavours <<<"$(make --no-print-directory -s -C cpp-bench flavours)"

# Rounds: every binary runs once per round, so each sample (a round's median) comes from a process
# of its own; within a round, repetitions run in random interleaved order (google benchmark's advice
# against run-to-run variance). Repetitions inside one process never see what changes between
# processes (code and heap placement): bench-report compares rounds.
interleaved=(--benchmark_enable_random_interleaving=true)
case $mode in
  # 10^6 users in the first 3 rounds only (as in Go and Rust): loading them is most of a round.
  full)  out=results/cpp; data=results/data; sweep_max=1000000; late_sweep_max=100000; rounds=5
         bench_args=(--benchmark_repetitions=2 --benchmark_min_time=0.05 "${interleaved[@]}") ;;
  quick) out=results/cpp; data=results/data; sweep_max=10000; rounds=3
         bench_args=(--benchmark_repetitions=1 --benchmark_min_time=0.01) ;;
  check) scratch=$(mktemp -d); out=$scratch/cpp; data=$scratch/data; sweep_max=10000; rounds=1
         bench_args=(--benchmark_min_time=0.0001)
         trap 'rm -rf "$scratch"' EXIT ;;
esac
mkdir -p "$out" "$data"

sizes=(4)
for ((users = 1000; users <= sweep_max; users *= 10)); do sizes+=("$users"); done
scripts/bench-data.sh "$data" "${sizes[@]}"

# Pin to the last CPU when there is more than one: the other keeps the system's noise.
# Pinned where `bench-report run` says (RP_BENCH_CPU); not pinned when run alone.
pin=() pinning="none"
[[ -n ${RP_BENCH_CPU:-} ]] && pin=(taskset -c "$RP_BENCH_CPU") pinning="cpu $RP_BENCH_CPU (taskset)"
# The machine itself is recorded once, by `bench-report run` (results/machine.json).
context=(--benchmark_context=pinning="$pinning")

[[ $mode == check ]] || rm -rf "$out"/bench_*
for ((round = 1; round <= rounds; round++)); do
  round_sweep_max=$sweep_max
  [[ $round -gt 3 && -n ${late_sweep_max:-} ]] && round_sweep_max=$late_sweep_max
  for flavour in "${flavours[@]}"; do
    echo "cpp-bench: round $round of $rounds: bench_$flavour ($mode)"
    mkdir -p "$out/bench_$flavour"
    file=$out/bench_$flavour/round-$round
    "${pin[@]}" "$build/bench_$flavour" --data_dir="$data" --sweep_max="$round_sweep_max" "${bench_args[@]}" \
      "${context[@]}" --benchmark_out="$file.json" --benchmark_out_format=json \
      --benchmark_display_aggregates_only=true >"$file.txt" 2>"$file.err" ||
      { cat "$file.err" >&2; exit 1; }
  done
done

# Instructions per call (callgrind, exact): every loop; in quick mode all but the Wasm ones; in
# check mode the loops make test's gate holds.
if command -v valgrind >/dev/null; then
  echo "cpp-bench: counting instructions per call with callgrind"
  count_mode=()
  [[ $mode == check ]] && count_mode=(--gate)
  [[ $mode == quick ]] && count_mode=(--quick)
  scripts/count-instructions.sh "$out/callgrind" "$data" "${count_mode[@]}"
else
  echo "cpp-bench: valgrind is not installed: no instruction counts (make deps installs it)"
fi

# The timed Add loops as machine code: static calls Add, dynamic Add@plt, dlopen through a
# register, and LTO must have no call left in the timed part (bench-report machine-code checks).
loops=()
for flavour in "${flavours[@]}"; do
  [[ $flavour == carchive || $flavour == json_row ]] || loops+=("$flavour")
done
"${RUST_LIB:-target/release}/bench-report" machine-code "$build" "$out/add-loops.txt" "${loops[@]}"

if [[ $mode == check ]]; then
  # The whole pipeline over this output: bench-report must read every file it was given.
  "${RUST_LIB:-target/release}/bench-report" report "$scratch" >"$out/report.txt" ||
    { cat "$out/report.txt" >&2; exit 1; }
  if grep -E 'not in the report: (C\+\+|instruction)' "$out/report.txt" >&2; then exit 1; fi
  echo "cpp-bench: every benchmark ran with the right answer; bench-report read every file"
  # The instruction gate: each count against cpp-bench/instructions.json (UPDATE_INSTRUCTIONS=1,
  # `make instructions`: take a new baseline).
  if command -v valgrind >/dev/null; then
    "${RUST_LIB:-target/release}/bench-report" instructions cpp-bench/instructions.json "$out/callgrind"
  fi
fi
