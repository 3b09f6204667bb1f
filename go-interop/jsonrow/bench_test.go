package jsonrow

import (
	"os"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// benchData is the document and paths every caller's GetJsonRow benchmark uses
// (rust-plugin/json-row/data): one path per iteration, in turn.
func benchData(tb testing.TB) (string, []string) {
	document, err := os.ReadFile("../../rust-plugin/json-row/data/bench.json")
	if err != nil {
		tb.Fatal(err)
	}
	paths, err := os.ReadFile("../../rust-plugin/json-row/data/bench-paths.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return string(document), strings.Fields(string(paths))
}

var sink string

// BenchmarkGetJsonRow: gjson in Go (native) and the Rust plugin through the generated cgo binding
// (cgo), on the same document and paths.
func BenchmarkGetJsonRow(b *testing.B) {
	document, paths := benchData(b)
	b.Run("native", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink = gjson.Get(document, paths[i%len(paths)]).Raw
		}
	})
	b.Run("cgo", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink, _ = GetJSONRow(document, paths[i%len(paths)])
		}
	})
}

// TestBenchInputsAnswerAlike: on the benchmark's inputs both paths give gjson's answers, each a
// part of the document (no copy on either side).
func TestBenchInputsAnswerAlike(t *testing.T) {
	document, paths := benchData(t)
	if len(paths) != 10 {
		t.Fatalf("%d paths", len(paths))
	}
	for _, path := range paths {
		got, err := GetJSONRow(document, path)
		want := gjson.Get(document, path).Raw
		if err != nil || got != want || want == "" || !strings.Contains(document, want) {
			t.Errorf("%q: %q, %v; gjson: %q", path, got, err, want)
		}
	}
}
