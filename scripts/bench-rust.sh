#!/usr/bin/env bash
# rust-bench benchmarks (criterion): Rust -> the plugin's Rust code, its C ABI (static, libloading),
# a C add and a Go c-archive add, and GetUser/FindUsers over 10^3 .. 10^6 users; pinned to one CPU.
# The bench binary runs once per round (a process each, like the other harnesses' rounds), and each
# round's criterion folder is kept in results/rust/criterion/round-N/, which bench-report reads.
#   scripts/bench-rust.sh          5 rounds of 20 samples in 0.25 s per benchmark
#   QUICK=1 scripts/bench-rust.sh  2 rounds of 10 samples in 0.15 s, sweep to 10^4
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5 sweep_max=1000000 args=(--noplot --warm-up-time 0.1 --measurement-time 0.25 --sample-size 20)
[[ ${QUICK:-0} == 1 ]] && rounds=2 sweep_max=10000 args=(--noplot --warm-up-time 0.05 --measurement-time 0.15 --sample-size 10)
# The size sweep's data and every size's key schedule: the files gen-users makes.
data=$PWD/results/data
sizes=()
for ((users = 1000; users <= sweep_max; users *= 10)); do sizes+=("$users"); done
scripts/bench-data.sh "$data" 4 "${sizes[@]}"
export RUST_BENCH_DATA=$data
# 10^6 users in the first 3 rounds only (as in C++ and Go): loading them is most of a round.
all_sizes=$(IFS=,; echo "${sizes[*]}")
late_sizes=$(IFS=,; echo "${sizes[*]/1000000/}" | sed 's/,*$//')
pin=() # where `bench-report run` says (RP_BENCH_CPU); not pinned when run alone
if [[ -n ${RP_BENCH_CPU:-} ]]; then
  pin=(taskset -c "$RP_BENCH_CPU")
  export RP_PLUGIN_CPUS=$RP_OTHER_CPUS # rp-plugin-server off the bench's CPU, as in bench-go.sh
fi

# The release profile and the whole workspace's features: the binary `make build-rust` built (the
# bench profile, or `-p rust-bench` alone, would compile the dependency tree once more).
cargo bench -q --profile release --workspace --bench paths --no-run 2>&1 | grep -v '^ *Executable' || true
rm -rf results/rust/criterion
mkdir -p results/rust/criterion
for ((round = 1; round <= rounds; round++)); do
  echo "rust-bench: round $round of $rounds${pin:+ (pinned: ${pin[*]})}"
  rm -rf target/criterion # each round's folder holds that round only
  export RUST_BENCH_SWEEP=$all_sizes
  [[ $round -gt 3 ]] && RUST_BENCH_SWEEP=$late_sizes
  "${pin[@]}" cargo bench -q --profile release --workspace --bench paths -- "${args[@]}" 2>&1 |
    grep --line-buffered -E '^[A-Z][A-Za-z]+/|time:|skipping' | sed 's/^/rust-bench: /'
  cp -r target/criterion "results/rust/criterion/round-$round"
done
echo "rust-bench: criterion results in results/rust/criterion/round-*/"
