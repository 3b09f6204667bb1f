#!/usr/bin/env bash
# `make bench`: every harness, the flame graphs, then the joint report and its summary table.
# About 9 minutes on a 2-core machine; QUICK=1 runs everything briefly (about 2 minutes) to check
# the pipeline. Each step says where it is; a harness that cannot run (Go missing) says so and the
# report lists what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

steps=("C++ harness (cpp-bench)|scripts/bench-cpp.sh"
       "Go harness (go-interop)|scripts/bench-go.sh"
       "Rust harness (rust-host/rust-bench)|scripts/bench-rust.sh"
       "gateway load test (go-interop/gateway/cmd/loadtest)|scripts/bench-gateway.sh"
       "flame graphs|scripts/flamegraph.sh"
       "report|${RUST_LIB:-target/release}/bench-report report results")
[[ ${QUICK:-0} == 1 ]] && export FLAMEGRAPH_SECONDS=1
start=$SECONDS
for i in "${!steps[@]}"; do
  IFS='|' read -r title command <<<"${steps[$i]}"
  echo
  echo "== make bench [$((i + 1))/${#steps[@]}] $title ($((SECONDS - start)) s so far)"
  $command
done
echo "make bench: done in $((SECONDS - start)) s; open results/report.html or results/report.md"
