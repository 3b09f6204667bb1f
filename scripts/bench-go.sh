#!/usr/bin/env bash
# go-interop benchmarks, pinned to one CPU: Add six ways and the four UserManager methods on every
# path (Go native, Go plugin, Rust through cgo; shared and owned contracts; the bare cgo call) on
# the demo data, then three methods over the size sweep. Raw output in results/go/bench.txt.
#   scripts/bench-go.sh          demo data -count 5, sweep 32 .. 10^6 users (about 5 minutes)
#   QUICK=1 scripts/bench-go.sh  -count 1, short benchtime, sweep 32 .. 10^4 users
# Each sweep size runs in a test binary of its own, and 10^5 and more users once (-count 1): the
# testing package collects garbage before every benchmark run, and with 10^6 users loaded by Go
# native and the Go plugin each collection marks about 12 million objects (about a second on one CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh

out=results/go
data=$PWD/results/data
mkdir -p "$out" "$data"
count=5 benchtime=300ms sweep_count=3 sweep_benchtime=100ms sweep=(32 100 1000 10000 100000 1000000)
[[ ${QUICK:-0} == 1 ]] && count=1 benchtime=20ms sweep_count=1 sweep_benchtime=10ms sweep=(32 100 1000 10000)
pin=()
cpu=$(($(nproc) - 1))
if command -v taskset >/dev/null && ((cpu > 0)); then pin=(taskset -c "$cpu"); pinning="cpu $cpu (taskset)"; else pinning="none"; fi

echo "go-interop: demo data -count $count -benchtime $benchtime; sweep ${sweep[*]} users -count $sweep_count (1 from 10^5) -benchtime $sweep_benchtime; pinned: $pinning"
{
  # Configuration lines in benchstat's format.
  echo "go: $(go version | cut -d' ' -f3)"
  echo "rustc: $(rustc --version)"
  echo "cc: $(cc --version | head -1)"
  echo "kernel: $(uname -r)"
  echo "pinning: $pinning"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  cd go-interop/usermanager/conformance
  "${pin[@]}" go test -run '^$' -bench . -benchmem -count "$count" -benchtime "$benchtime" . -args -users 4
  for users in "${sweep[@]}"; do
    ((users < 100000)) && n=$sweep_count || n=1
    "${pin[@]}" go test -run '^$' -bench '^Benchmark(GetUser|GetUserByClaim|FindUsers)$' -benchmem \
      -count "$n" -benchtime "$sweep_benchtime" . -args -users "$users" -data-dir "$data"
  done
} | tee "$out/bench.txt" |
  grep --line-buffered -E '^Benchmark[A-Za-z]+/' | awk '{print "go-interop: " $1 " " $3 " ns/op"}'
