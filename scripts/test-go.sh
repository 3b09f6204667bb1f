#!/usr/bin/env bash
# The Go side of `make test`: formatting, vet, and the conformance suite (Go native, Go plugin,
# Rust through cgo) linked with the Rust archive and, again, with the shared library.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-common.sh

cd go-interop
unformatted=$(gofmt -l .)
[[ -z $unformatted ]] || { echo "go-interop: run gofmt -w on: $unformatted" >&2; exit 1; }
go vet ./...
go vet -tags rustplugin_shared ./...
echo "== go test, Rust linked statically"
go test -count=1 ./...
echo "== go test, Rust linked dynamically (-tags rustplugin_shared)"
go test -count=1 -tags rustplugin_shared ./conformance
