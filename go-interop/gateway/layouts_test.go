package gateway

import (
	"bytes"
	"encoding/binary"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"rustplugin/go-interop/internal/layouts"
)

// TestRequestsAreWrittenByteForByte: encodeRequest writes the requests rp_http_plugin::layout
// reads. (Each vector's headers share one name, or there is one: Go's header map has no order.)
func TestRequestsAreWrittenByteForByte(t *testing.T) {
	for _, v := range layouts.Vectors(t, "requests") {
		r := httptest.NewRequest(v.Method, v.Path, nil)
		for _, h := range v.Headers {
			r.Header[h[0]] = append(r.Header[h[0]], h[1])
		}
		request := goRequest{r: r, body: []byte(v.Body)}
		got := encodeRequest(make([]byte, encodedRequestSize(request)), request)
		if !bytes.Equal(got, v.Bytes(t)) {
			t.Errorf("%s %s: wrote %x, want %s", v.Method, v.Path, got, v.Hex)
		}
	}
}

// TestResponsesAreReadByteForByte: writeResponse reads the responses rp_http_plugin::layout
// writes into the status, headers and body they hold.
func TestResponsesAreReadByteForByte(t *testing.T) {
	for _, v := range layouts.Vectors(t, "responses") {
		w := httptest.NewRecorder()
		if err := writeResponse(w, v.Bytes(t), binary.LittleEndian); err != nil {
			t.Fatalf("%d: %v", v.Status, err)
		}
		want := http.Header{"Content-Length": {strconv.Itoa(len(v.Body))}}
		for _, h := range v.Headers {
			want[h[0]] = append(want[h[0]], h[1])
		}
		if w.Code != v.Status || w.Body.String() != v.Body || !maps.EqualFunc(w.Header(), want, slices.Equal) {
			t.Errorf("%s: read %d %v %q", v.Hex, w.Code, w.Header(), w.Body.String())
		}
	}
}
