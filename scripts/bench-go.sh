#!/usr/bin/env bash
# go-interop benchmarks, pinned to one CPU: Add six ways, GetJsonRow (gjson against the Rust plugin)
# and the four UserManager methods on every path (Go native scanning and indexed, Go plugin, Rust
# through cgo, in Wasm, out of process; shared and owned contracts; the bare cgo call; hashicorp
# go-plugin over net/rpc and gRPC; reva's own json driver in process and as a Go plugin, and the
# Rust drop-in for it) on the demo data, then three methods over the size sweep (hashicorp up to
# 10^4 users), every path asking for the same keys (package workload). Raw output in results/go/bench.txt.
#   scripts/bench-go.sh          5 rounds; demo data -benchtime 100ms, sweep 32 .. 10^4 (-benchtime 50ms), 10^6 users 3 times in one process
#   QUICK=1 scripts/bench-go.sh  2 short rounds, sweep 32 and 1000 users
# The test binary is built once and run in rounds: each round runs every benchmark once (demo data,
# then each sweep size in a process of its own), so the i-th sample of every benchmark comes from
# the same round and ratios can pair them (bench-report). The testing package collects garbage
# before every benchmark run, and with 10^6 users loaded by Go native and the Go plugin each
# collection marks about 12 million objects (about a second): at 10^6 users each group of bases
# runs in a process of its own (-bases), so a Rust path's runs mark no Go copy of the users, and
# in fewer rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh
build_go_plugins

out=results/go
data=$PWD/results/data
test_binary=$PWD/go-interop/build/conformance.test
mkdir -p "$out" "$data"
# The sizes skip 10^5: each size costs a process loading it into every implementation, and make
# bench must stay under 15 minutes (10^6 takes about 160 s: 3 runs in one process per group, 290 s
# when each round loaded it again).
rounds=5 benchtime=100ms sweep_benchtime=50ms sweep=(32 100 1000 10000 1000000) large=1000000 large_rounds=3
[[ ${QUICK:-0} == 1 ]] && rounds=2 benchtime=20ms sweep_benchtime=10ms sweep=(32 1000)
# Pinned where `bench-report run` says (RP_BENCH_CPU); plugin processes (rp-plugin-server,
# hashicorp go-plugin) on the other CPUs: on the host's CPU, host and plugin would take turns, and
# every call would wait for a time slice.
pin=() pinning="none"
if [[ -n ${RP_BENCH_CPU:-} ]]; then
  pin=(taskset -c "$RP_BENCH_CPU")
  export RP_PLUGIN_CPUS=$RP_OTHER_CPUS
  pinning="cpu $RP_BENCH_CPU (taskset), plugin processes on cpus $RP_PLUGIN_CPUS"
fi
json_row_binary=$PWD/go-interop/build/jsonrow.test
reva_binary=$PWD/go-interop/build/reva.test
(cd go-interop/usermanager/conformance && go test -c -o "$test_binary" .)
(cd go-interop/jsonrow && go test -c -o "$json_row_binary" .)
(cd go-interop/reva/conformance && go test -c -o "$reva_binary" .)

echo "go-interop: $rounds rounds: demo data -benchtime $benchtime, sweep ${sweep[*]} users -benchtime $sweep_benchtime ($large users in $large_rounds rounds); pinned: $pinning"
{
  echo "pinning: $pinning"
  cd go-interop/usermanager/conformance # the Go plugin and the data are found from here
  for ((round = 1; round <= rounds; round++)); do
    echo "go-interop: round $round of $rounds" >&2
    "${pin[@]}" "$test_binary" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$benchtime" -users 4
    # reva's own json driver (in process and as a Go plugin) and the Rust drop-in, on the same keys
    # (their own test binary: the reva module).
    (cd ../../reva/conformance && "${pin[@]}" "$reva_binary" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$benchtime" -users 4)
    # GetJsonRow: gjson in Go against the Rust plugin (its own test binary: one Rust archive each).
    (cd ../../jsonrow && "${pin[@]}" "$json_row_binary" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$benchtime")
    for users in "${sweep[@]}"; do
      count=1
      if ((users >= large)); then
        # Loading 10^6 users takes each process about 40 s: all the rounds of each group of bases
        # run in one process, in the first round (-test.count; a benchmark's i-th line is still
        # its round i, now a run of the same process).
        ((round > 1)) && continue
        count=$large_rounds
      fi
      # Every path of the three methods; of the batch, 256 keys a call.
      sweep_flags=(-test.run '^$' -test.bench '^Benchmark(GetUser|GetUserByClaim|FindUsers|GetUsers)$/^((native|goplugin|cgo|wasm|process|hashicorp|reva)|batch-256$)' -test.benchmem
        -test.benchtime "$sweep_benchtime" -test.count "$count" -users "$users" -data-dir "$data")
      groups=("") # every base in one process
      ((users >= large)) && groups=(native,native-indexed goplugin cgo,wasm,process)
      for group in "${groups[@]}"; do
        "${pin[@]}" "$test_binary" "${sweep_flags[@]}" -bases "$group"
      done
      (cd ../../reva/conformance && "${pin[@]}" "$reva_binary" "${sweep_flags[@]}")
    done
  done
} | tee "$out/bench.txt" |
  grep --line-buffered -E '^Benchmark[A-Za-z]+/' | awk '{print "go-interop: " $1 " " $3 " ns/op"}'
