#!/usr/bin/env bash
# The gateway load test: the native Go handler, the Go plugin and the Rust plugin (cgo) under the
# same loopback load, then the Rust plugin hot-reloaded 60 times under load, every answer checked;
# then each handler's own cost in process (BenchmarkHandler in rounds, results/gateway/handler-bench.txt);
# then the fault matrix (results/gateway/fault-matrix.json).
# The gateway runs on the last CPU, the load generator on the others (taskset), when there are two.
#   scripts/bench-gateway.sh          5 rounds of 1 s per handler; results/gateway/
#   QUICK=1 scripts/bench-gateway.sh  2 rounds of 300 ms, still 60 reloads
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh
build_go_plugins

out=${1:-results/gateway}
rounds=5 round=1s
[[ ${QUICK:-0} == 1 ]] && rounds=2 round=300ms
scripts/build-gateway.sh >/dev/null

# The gateway on RP_BENCH_CPU, the load generator on RP_OTHER_CPUS (`bench-report run` decides).
pin=() pinning=()
if [[ -n ${RP_BENCH_CPU:-} ]]; then
  pin=(taskset -c "$RP_OTHER_CPUS")
  pinning=(-gateway-cpu "$RP_BENCH_CPU" -client-cpu "$RP_OTHER_CPUS")
fi
echo "gateway load test: $rounds rounds of $round per handler, then 60 reloads under load${pin:+ (gateway on CPU $RP_BENCH_CPU, client on $RP_OTHER_CPUS)}"
"${pin[@]}" go-interop/build/loadtest -rounds "$rounds" -round "$round" -reloads 60 "${pinning[@]}" -out "$out"
cat "$out/loadtest.md"
echo
echo "gateway: each handler in process, without the network (BenchmarkHandler), $rounds rounds"
test_binary=$PWD/go-interop/build/gateway.test
(cd go-interop/gateway && go test -c -o "$test_binary" .)
# Rounds of the test binary, each running every handler once: bench-report pairs them.
(cd go-interop/gateway && for ((i = 1; i <= rounds; i++)); do
  "${pin[@]}" "$test_binary" -test.run '^$' -test.bench Handler -test.benchmem -test.benchtime 200ms
done) | tee "$out/handler-bench.txt" | grep '^Benchmark'
echo
echo "gateway: the fault matrix (TestFaultMatrix: every fault in every way of serving a plugin, about 15 s)"
# A cell against expectations fails the test but still writes the matrix: the report shows it, and
# the rest of make bench goes on.
matrix=$(realpath -m "$out")
if ! (cd go-interop/gateway && RP_FAULT_MATRIX_OUT="$matrix/fault-matrix.json" "$test_binary" -test.run '^TestFaultMatrix$' -test.v >"$matrix/fault-matrix.txt" 2>&1); then
  echo "gateway: the fault matrix FAILED: see $out/fault-matrix.txt" >&2
fi
grep -E '^\s+matrix_test.go' "$out/fault-matrix.txt" || true
