// Package layouts reads the byte-layout vectors that the Rust and the Go sides of every layout
// crossing without pointers are held to (rust-plugin/rp-ffi-core/tests/layouts.json): records,
// HTTP requests and responses, the out-of-process tier's string lists. For tests only.
package layouts

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Vector is one entry: its fields (those of its kind), and its bytes in hex.
type Vector struct {
	Strings      []string
	Method, Path string
	Status       int
	Headers      [][2]string
	Body         string
	Hex          string
}

// Bytes are the bytes the vector's Hex spells.
func (v Vector) Bytes(t testing.TB) []byte {
	t.Helper()
	bytes, err := hex.DecodeString(v.Hex)
	if err != nil {
		t.Fatalf("%q: %v", v.Hex, err)
	}
	return bytes
}

// Vectors are the vectors of one kind ("records", "requests", "responses", "strings"); the test
// fails when there are none.
func Vectors(t testing.TB, kind string) []Vector {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "../../../rust-plugin/rp-ffi-core/tests/layouts.json")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	var vectors []Vector
	if err := json.Unmarshal(text, &all); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(all[kind], &vectors); err != nil || len(vectors) == 0 {
		t.Fatalf("%s: no %s vectors (%v)", path, kind, err)
	}
	return vectors
}
