#!/usr/bin/env bash
# The Go side of `make test`: formatting, vet, generated code, the conformance suite (Go native
# scanning and indexed, Go plugin, Rust through cgo, in Wasm, out of process, hashicorp go-plugin)
# linked with the Rust archive and, again, with the shared library; the reva module (the Rust
# drop-in against reva's own json driver); and the gateway's tests (hot reload, faults, the
# fault matrix), again under the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh
build_go_plugins

cd go-interop
unformatted=$(gofmt -l .)
[[ -z $unformatted ]] || { echo "go-interop: run gofmt -w on: $unformatted" >&2; exit 1; }
go vet ./...
go vet -tags rustplugin_shared ./...
echo "== go test, Rust linked statically"
go test -count=1 ./...
echo "== reva (a module of its own): the Rust drop-in against reva v1.7's json driver"
(cd reva && go vet ./... && go test -count=1 ./...)
echo "== go test, Rust linked dynamically (-tags rustplugin_shared)"
go test -count=1 -tags rustplugin_shared ./usermanager/conformance
echo "== the gateway under the race detector (without the Go plugin test: plugin.Open refuses a"
echo "   plugin built without -race, 'built with a different version of package', the seeds' problem)"
go test -count=1 -race -skip "GoPlugin|WasmFaultsLeakNothing|FaultMatrix" ./gateway
echo "== the load generator end to end, briefly (make bench-gateway measures for real)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
../scripts/build-gateway.sh >/dev/null
cd .. && go-interop/build/loadtest -rounds 1 -round 200ms -reloads 50 -reload-every 10ms -out "$scratch"
