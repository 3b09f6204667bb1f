# Sourced by the Go scripts: stops with one line (and success) when Go is not installed, since Go is
# optional; else sets CGO_LDFLAGS to the system libraries of the Rust archive (one list:
# scripts/rust-native-libs.sh) and builds the Go plugins that the tests and benchmarks load (reva's
# json driver among them, from the reva module), and the hashicorp go-plugin baseline's plugin
# process.
if ! command -v go >/dev/null; then
  echo "go-interop: skipped: go is not installed (the Go parts are optional)"
  exit 0
fi
CGO_LDFLAGS="$(scripts/rust-native-libs.sh)"
export CGO_LDFLAGS
(cd go-interop && go build -buildmode=plugin -o build/goplugin.so ./usermanager/goplugin &&
  go build -buildmode=plugin -o build/goechoplugin.so ./gateway/goechoplugin &&
  go build -buildmode=plugin -o build/gofaultyplugin.so ./gateway/gofaultyplugin &&
  go build -o build/hashicorp-plugin ./usermanager/hashicorp/cmd/hashicorp-plugin &&
  cd reva && go build -buildmode=plugin -o ../build/revagoplugin.so ./goplugin)
