package gateway

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandler: one echo request through each handler in process, without the network, so
// the difference is the handler's own cost: the Rust plugin's cgo call, or its Wasm instance and
// the copies into and out of its memory, against the Go plugin's interface calls and the native
// handler.
func BenchmarkHandler(b *testing.B) {
	g := newTestGateway(b, b.TempDir())
	defer g.Close()
	if err := g.AddPlugin("/echo", echoPlugin, ""); err != nil {
		b.Fatal(err)
	}
	if err := g.AddPlugin("/wasm-echo", echoWasm, ""); err != nil {
		b.Fatal(err)
	}
	if err := g.AddGoPlugin("/go-echo", goEchoPlugin); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 64)
	for _, route := range []struct{ name, path string }{{"native", "/native-echo"}, {"goplugin", "/go-echo"}, {"rust-cgo", "/echo"}, {"rust-wasm", "/wasm-echo"}} {
		b.Run(route.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodPost, route.path, bytes.NewReader(body))
				r.Header.Set("Content-Type", "text/plain")
				g.ServeHTTP(w, r)
				if w.Code != http.StatusOK || w.Body.Len() != len(body) {
					b.Fatalf("%s: %d %q", route.path, w.Code, w.Body.String())
				}
			}
		})
	}
}
