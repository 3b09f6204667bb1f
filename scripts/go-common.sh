# Sourced by the Go scripts: stops with one line (and success) when Go is not installed, since Go is
# optional; else sets CGO_LDFLAGS to the system libraries of the Rust archive (one list:
# scripts/rust-native-libs.sh) and defines build_go_plugins, which the scripts that load them call.
if ! command -v go >/dev/null; then
  echo "go-interop: skipped: go is not installed (the Go parts are optional)"
  exit 0
fi
CGO_LDFLAGS="$(scripts/rust-native-libs.sh)"
export CGO_LDFLAGS

# build_go_plugins builds, into go-interop/build/, the Go plugins the tests and benchmarks load
# (reva's json driver among them, from the reva module) and the hashicorp go-plugin baseline's
# plugin process. A Go plugin must be built with the same packages as its host, so they are built
# again with every run (go's cache makes that quick when nothing changed).
build_go_plugins() {
  (cd go-interop && go build -buildmode=plugin -o build/goplugin.so ./usermanager/goplugin &&
    go build -buildmode=plugin -o build/goechoplugin.so ./gateway/goechoplugin &&
    go build -buildmode=plugin -o build/gofaultyplugin.so ./gateway/gofaultyplugin &&
    go build -o build/hashicorp-plugin ./usermanager/hashicorp/cmd/hashicorp-plugin &&
    cd reva && go build -buildmode=plugin -o ../build/revagoplugin.so ./goplugin)
}
