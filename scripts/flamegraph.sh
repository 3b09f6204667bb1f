#!/usr/bin/env bash
# `make flamegraph`: perf record (cpu-clock: there are no hardware counters here) with DWARF call
# graphs over one benchmark per path, folded and drawn by bench-report (the inferno crate, no Perl),
# into results/flamegraphs/<path>.svg. A path whose binary is missing (Go not installed) is skipped
# with one line; where perf is not permitted, that is said once and nothing fails.
set -euo pipefail
cd "$(dirname "$0")/.."

out=results/flamegraphs
seconds=${FLAMEGRAPH_SECONDS:-2}
report=${RUST_LIB:-target/release}/bench-report
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if ! command -v perf >/dev/null || ! perf record -e cpu-clock -o "$scratch/probe.data" true >/dev/null 2>&1; then
  echo "flamegraph: skipped: perf is not installed or not permitted here (make deps installs linux-perf;" \
    "perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown))"
  exit 0
fi

scripts/bench-data.sh results/data 4 # the demo data's key schedule, which the C++ binaries ask for
go_test_binary=$scratch/conformance.test
gateway_test_binary=$scratch/gateway.test
if command -v go >/dev/null; then
  (cd go-interop/usermanager/conformance && go test -c -o "$go_test_binary" .)
  (cd go-interop/gateway && go test -c -o "$gateway_test_binary" .)
fi
rust_bench_binary=$(cargo bench -q --profile release --workspace --bench paths --no-run --message-format=json 2>/dev/null |
  "${RUST_LIB:-target/release}/bench-report" executable)

# name | title | command
flamegraphs=(
  "cpp-static|C++ -> Rust GetUser, static archive|cpp-bench/build/bench_static --benchmark_filter=^GetUser/cpp/static/4\$ --benchmark_min_time=$seconds --sweep_max=0"
  "cpp-dynamic|C++ -> Rust GetUser, shared library|cpp-bench/build/bench_dynamic --benchmark_filter=^GetUser/cpp/dynamic/4\$ --benchmark_min_time=$seconds"
  "cpp-dlopen|C++ -> Rust GetUser, dlopen|cpp-bench/build/bench_dlopen --benchmark_filter=^GetUser/cpp/dlopen/4\$ --benchmark_min_time=$seconds"
  "go-rust|Go -> Rust GetUser through cgo, the answer as shared Go values|$go_test_binary -test.run=^\$ -test.bench=^BenchmarkGetUser\$/^cgo-shared\$ -test.benchtime=${seconds}s"
  "go-wasm|Go -> Rust GetUser in the Wasm sandbox (wazero), the answer as shared Go values|$go_test_binary -test.run=^\$ -test.bench=^BenchmarkGetUser\$/^wasm-shared\$ -test.benchtime=${seconds}s"
  "cpp-go|C++ -> Go c-archive add|cpp-bench/build/bench_carchive --benchmark_filter=^Add/cpp/carchive\$ --benchmark_min_time=$seconds"
  "rust-go|Rust -> Go c-archive add|$rust_bench_binary --bench Add/rust/carchive --profile-time $seconds"
  "gateway-rust|Go gateway -> Rust echo plugin in process: one cgo call into serve (HTTP plugin ABI 1.1)|$gateway_test_binary -test.run=^\$ -test.bench=^BenchmarkHandler\$/^rust-cgo\$ -test.benchtime=${seconds}s"
)
n=0
for entry in "${flamegraphs[@]}"; do
  n=$((n + 1))
  IFS='|' read -r name title command <<<"$entry"
  read -r -a argv <<<"$command"
  if [[ ! -x ${argv[0]} ]]; then
    echo "flamegraph: [$n/${#flamegraphs[@]}] $name skipped: ${argv[0]:-its binary} was not built (Go not installed?)"
    continue
  fi
  echo "flamegraph: [$n/${#flamegraphs[@]}] $name: $title"
  # go test runs in the package folder, where the Go plugin and data paths are relative.
  workdir=.
  [[ $name == go-rust || $name == go-wasm ]] && workdir=go-interop/usermanager/conformance
  [[ $name == gateway-rust ]] && workdir=go-interop/gateway
  (cd "$workdir" && perf record -q -e cpu-clock -F 999 --call-graph dwarf -o "$scratch/$name.data" "${argv[@]}" >/dev/null 2>&1)
  perf script --no-inline -i "$scratch/$name.data" >"$scratch/$name.perf" 2>/dev/null
  "$report" flamegraph "$title" "$scratch/$name.perf" "$out/$name.svg"
done
echo "flamegraph: $(ls "$out"/*.svg 2>/dev/null | wc -l) flame graphs in $out/"
