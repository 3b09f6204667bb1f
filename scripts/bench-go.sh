#!/usr/bin/env bash
# go-interop benchmarks: Add six ways and the four UserManager methods three ways (Go native, Go
# plugin, Rust through cgo, with and without copying the answer), pinned to one CPU.
#   scripts/bench-go.sh          -count 5 (about 1.5 minutes); raw output in results/go/bench.txt
#   QUICK=1 scripts/bench-go.sh  -count 1, short benchtime
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh

out=results/go
mkdir -p "$out"
count=5 benchtime=300ms
[[ ${QUICK:-0} == 1 ]] && count=1 benchtime=20ms
pin=()
cpu=$(($(nproc) - 1))
if command -v taskset >/dev/null && ((cpu > 0)); then pin=(taskset -c "$cpu"); pinning="cpu $cpu (taskset)"; else pinning="none"; fi

echo "go-interop: benchmarks, -count $count -benchtime $benchtime, pinned: $pinning"
{
  # Configuration lines in benchstat's format.
  echo "go: $(go version | cut -d' ' -f3)"
  echo "rustc: $(rustc --version)"
  echo "cc: $(cc --version | head -1)"
  echo "kernel: $(uname -r)"
  echo "pinning: $pinning"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  (cd go-interop/usermanager/conformance && "${pin[@]}" go test -run '^$' -bench . -benchmem -count "$count" -benchtime "$benchtime" .)
} | tee "$out/bench.txt" | grep --line-buffered -E '^Benchmark[A-Za-z]+/[a-z-]+(-[0-9]+)?\s' | awk '{print "go-interop: " $1 " " $3 " ns/op"}'
(cd go-interop && go run ./cmd/benchsummary "../$out/bench.txt") | tee "$out/summary.txt"
