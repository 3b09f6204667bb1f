#!/usr/bin/env bash
# Generates the Go code of the hashicorp go-plugin baseline's protocol (go-interop/usermanager/
# hashicorp/userpb) with protoc (Debian's protobuf-compiler, make deps) and the protoc plugins
# pinned as tools in go-interop/go.mod.
#   scripts/gen-proto.sh           rewrite the committed files
#   scripts/gen-proto.sh --check   fail if they differ from what the .proto gives (make test)
set -euo pipefail
cd "$(dirname "$0")/../go-interop"
package=usermanager/hashicorp/userpb
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/bin/" google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc
PATH="$out/bin:$PATH" protoc -I "$package" --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative "$package/usermanager.proto"
for file in usermanager.pb.go usermanager_grpc.pb.go; do
  if [[ ${1:-} == --check ]]; then
    if ! diff -u "$package/$file" "$out/$file"; then
      echo "gen-proto: $package/$file is not what $package/usermanager.proto gives: run scripts/gen-proto.sh" >&2
      exit 1
    fi
  else
    cp "$out/$file" "$package/$file"
  fi
done
