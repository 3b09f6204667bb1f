package gateway

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// layoutVector is one HTTP request or response of the byte-layout vectors the Rust side is held
// to as well (rust-plugin/rp-ffi-core/tests/layouts.json).
type layoutVector struct {
	Method, Path string
	Status       int
	Headers      [][2]string
	Body         string
	Hex          string
}

func layoutVectors(t *testing.T) (requests, responses []layoutVector) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "../../rust-plugin/rp-ffi-core/tests/layouts.json")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct{ Requests, Responses []layoutVector }
	if err := json.Unmarshal(text, &vectors); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(vectors.Requests) == 0 || len(vectors.Responses) == 0 {
		t.Fatalf("%s: no HTTP vectors", path)
	}
	return vectors.Requests, vectors.Responses
}

// TestRequestsAreWrittenByteForByte: encodeRequest writes the requests rp_http_plugin::layout
// reads. (Each vector's headers share one name, or there is one: Go's header map has no order.)
func TestRequestsAreWrittenByteForByte(t *testing.T) {
	requests, _ := layoutVectors(t)
	for _, v := range requests {
		r := httptest.NewRequest(v.Method, v.Path, nil)
		for _, h := range v.Headers {
			r.Header[h[0]] = append(r.Header[h[0]], h[1])
		}
		request := goRequest{r: r, body: []byte(v.Body)}
		got := encodeRequest(make([]byte, encodedRequestSize(request)), request)
		if want, _ := hex.DecodeString(v.Hex); !bytes.Equal(got, want) {
			t.Errorf("%s %s: wrote %x, want %s", v.Method, v.Path, got, v.Hex)
		}
	}
}

// TestResponsesAreReadByteForByte: writeResponse reads the responses rp_http_plugin::layout
// writes into the status, headers and body they hold.
func TestResponsesAreReadByteForByte(t *testing.T) {
	_, responses := layoutVectors(t)
	for _, v := range responses {
		encoded, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := writeResponse(w, encoded, binary.LittleEndian); err != nil {
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
