# Sourced by the Go scripts: stops with one line (and success) when Go is not installed, since Go is
# optional; else builds the Go plugins that the tests and benchmarks load.
if ! command -v go >/dev/null; then
  echo "go-interop: skipped: go is not installed (the Go parts are optional)"
  exit 0
fi
(cd go-interop && go build -buildmode=plugin -o build/goplugin.so ./goplugin &&
  go build -buildmode=plugin -o build/goechoplugin.so ./goechoplugin)
