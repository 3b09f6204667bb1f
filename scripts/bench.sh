#!/usr/bin/env bash
# `make bench`: every harness, the flame graphs, then the joint report.
#   scripts/bench.sh                  everything (about 14 minutes on a 2-core machine)
#   scripts/bench.sh cpp go ...       only those harnesses (cpp, go, rust, gateway, flamegraph, report)
#   QUICK=1 scripts/bench.sh          everything briefly (about 2 minutes), to check the pipeline
# Each harness runs under `bench-report run`, which records the machine and how busy it was
# (results/machine.json, results/runs/); the harnesses write raw output only, and bench-report
# alone computes the statistics. A harness that cannot run (Go missing) says so and the report
# lists what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

report=${RUST_LIB:-target/release}/bench-report
declare -A titles=([cpp]="C++ harness (cpp-bench)" [go]="Go harness (go-interop)"
                   [rust]="Rust harness (rust-host/rust-bench)"
                   [gateway]="gateway load test (go-interop/gateway/cmd/loadtest)"
                   [flamegraph]="flame graphs" [report]="report")
steps=("$@")
((${#steps[@]})) || steps=(cpp go rust gateway flamegraph report)
for step in "${steps[@]}"; do
  [[ -n ${titles[$step]:-} ]] || { echo "bench.sh: unknown step '$step' (cpp go rust gateway flamegraph report)" >&2; exit 2; }
done
[[ ${QUICK:-0} == 1 ]] && export FLAMEGRAPH_SECONDS=1
start=$SECONDS
for i in "${!steps[@]}"; do
  step=${steps[$i]}
  echo
  echo "== make bench [$((i + 1))/${#steps[@]}] ${titles[$step]} ($((SECONDS - start)) s so far)"
  case $step in
    report) "$report" report results ;;
    flamegraph) scripts/flamegraph.sh ;;
    *) "$report" run results "$step" -- "scripts/bench-$step.sh" ;;
  esac
done
echo "make bench: done in $((SECONDS - start)) s; open results/report.html or results/report.md"
