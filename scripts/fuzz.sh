#!/usr/bin/env bash
# `make fuzz [FUZZ_SECONDS=N]`: each fuzz target for N seconds (default 60): the cargo-fuzz targets
# of rust-plugin/fuzz (nightly, libFuzzer: the store against reva's loops, the HTTP plugin boundary
# through a host table) and Go's native fuzzing of the gateway's request path. New inputs go to a
# scratch corpus seeded from the committed one (copy the interesting ones in by hand); a finding
# stops with the reproducer's path. `make test` replays the committed corpora on stable.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
scripts/deps.sh fuzz
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for target in store_queries http_boundary; do
  echo "== fuzz: $target for ${seconds}s (cargo +nightly fuzz, rust-plugin/fuzz)"
  mkdir -p "$scratch/$target"
  if cargo +nightly fuzz run --fuzz-dir rust-plugin/fuzz "$target" "$scratch/$target" \
    "rust-plugin/fuzz/corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 \
    >"$scratch/$target.log" 2>&1; then
    grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$scratch/$target.log" |
      sed "s/^/fuzz: $target: /"
    echo "fuzz: $target: 0 findings"
  else
    tail -40 "$scratch/$target.log" >&2
    echo "fuzz: $target: FINDING: reproducer in rust-plugin/fuzz/artifacts/$target/" >&2
    status=1
  fi
done
if command -v go >/dev/null; then
  echo "== fuzz: FuzzGatewayRequest for ${seconds}s (go test -fuzz, go-interop/gateway)"
  make -s loader >/dev/null
  CGO_LDFLAGS="$(scripts/rust-native-libs.sh)"
  export CGO_LDFLAGS
  if (cd go-interop && go test -run '^$' -fuzz FuzzGatewayRequest -fuzztime "${seconds}s" ./gateway) \
    >"$scratch/go.log" 2>&1; then
    grep -E 'elapsed: .*execs' "$scratch/go.log" | tail -1 | sed 's/^/fuzz: FuzzGatewayRequest: /'
    echo "fuzz: FuzzGatewayRequest: 0 findings"
  else
    tail -30 "$scratch/go.log" >&2
    echo "fuzz: FuzzGatewayRequest: FINDING: reproducer in go-interop/gateway/testdata/fuzz/FuzzGatewayRequest/" >&2
    status=1
  fi
else
  echo "fuzz: FuzzGatewayRequest skipped: go is not installed"
fi
exit "$status"
