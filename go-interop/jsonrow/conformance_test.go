package jsonrow

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/tidwall/gjson"
)

// The documents of the corpus: gjson's README example, then the shapes that break parsers.
var documents = map[string]string{
	"readme": `{
  "name": {"first": "Tom", "last": "Anderson"},
  "age":37,
  "children": ["Sara","Alex","Jack"],
  "fav.movie": "Deer Hunter",
  "friends": [
    {"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
    {"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
    {"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]}
  ]
}`,
	"literals":   `{"t":true,"f":false,"n":null,"i":-12,"x":1.5e-3,"s":"a\"b\\c\u00e9","e":"","o":{},"a":[]}`,
	"unicode":    `{"ключ":"значение","emoji":"😀","mixed":["é",{"ü":1}]}`,
	"escaped":    `{"a.b":{"c*d":{"e?f":7}},"x\\y":1,"sp ace":2}`,
	"array":      `[1,[2,[3,[4]]],{"k":"v"},"s",null]`,
	"scalar":     `"just a string"`,
	"empty":      ``,
	"spaces":     "  \n\t{ \"a\" :\n [ 1 , 2 ] }  ",
	"truncated":  `{"a":{"b":[1,2,`,
	"garbage":    `{"a":}}]]"b":[1,,,2],"c":tru}`,
	"unclosed":   `{"a":"never closed`,
	"not-json":   `this is not JSON at all: a.b.c`,
	"deep":       strings.Repeat(`{"a":`, 5000) + `"bottom"` + strings.Repeat(`}`, 5000),
	"deep-array": strings.Repeat(`[`, 100000) + strings.Repeat(`]`, 100000),
	"huge":       `{"items":[` + strings.TrimSuffix(strings.Repeat(`{"id":1,"tags":["a","b"],"text":"lorem ipsum dolor"},`, 100000), ",") + `],"last":"end"}`,
}

// The paths of the corpus: gjson's syntax, each construct at least once, and paths that match nothing.
var paths = []string{
	"", "name", "name.last", "age", "children", "children.#", "children.1", "children.5", "child*.2",
	"c?ildren.0", `fav\.movie`, "friends.#.first", "friends.1.last", "friends.#.nets",
	`friends.#(last=="Murphy").first`, `friends.#(last=="Murphy")#.first`, `friends.#(age>45)#.last`,
	`friends.#(nets.#(=="fb"))#.first`, "@reverse", "children|@reverse", "children.@reverse",
	"{name.first,age}", "[name.first,age,nothing]", "name.@pretty", "@this", "nothing.here",
	"t", "f", "n", "i", "x", "s", "e", "o", "a", "0", "1", "1.1.0", "2.k", "4", "#", "ключ", "emoji",
	"mixed.1.ü", `a\.b.c\*d.e\?f`, `x\\y`, "sp ace", "a.b", "a.b.1", "items.#", "items.99999.text",
	"last", strings.Repeat("a.", 4999) + "a", "..", "a..b", `\`, "*", "?", "#", "@", "|", "{", "[",
}

// knownDifferences: where the plugin (gjson's Rust port, gjson 0.8.1) does not answer what Go's
// gjson v1.20.4 answers, and what it answers instead, by document and path. Malformed JSON: Go's
// gjson returns the value it was reading when the text broke off, the Rust port nothing. The
// @reverse and @pretty modifiers: the same values, laid out differently.
var knownDifferences = map[[2]string]string{
	{"truncated", "a"}:         ``,
	{"truncated", "a.b"}:       ``,
	{"truncated", "*"}:         ``,
	{"truncated", "?"}:         ``,
	{"truncated", "@reverse"}:  `{}`,
	{"garbage", "a"}:           ``,
	{"garbage", "*"}:           ``,
	{"garbage", "?"}:           ``,
	{"garbage", "@reverse"}:    `{}`,
	{"spaces", "@reverse"}:     "{\"a\" :\n [ 1 , 2 ]}",
	{"readme", "@reverse"}:     "", // checked below: gjson's members reversed, with the input's spacing
	{"readme", "name.@pretty"}: "{\n  \"first\": \"Tom\",\n  \"last\": \"Anderson\"\n}\n",
}

// maxPathSeparators is the header's RPJ_MAX_PATH_SEPARATORS.
const maxPathSeparators = 128

// TestAnswersEqualGjson: GetJSONRow answers exactly what gjson.Get(input, path).Raw answers, for
// every document and path of the corpus (UTF-8 inputs; see TestInvalidUTF8), but for the known
// differences, each checked to be still what it was.
func TestAnswersEqualGjson(t *testing.T) {
	same, differ, refused := 0, 0, 0
	for name, document := range documents {
		for _, path := range paths {
			got, err := GetJSONRow(document, path)
			if separators := strings.Count(path, ".") + strings.Count(path, "|") + strings.Count(path, "#") +
				strings.Count(path, "@") + strings.Count(path, "(") + strings.Count(path, "{") +
				strings.Count(path, "[") + strings.Count(path, ",") + strings.Count(path, ":"); separators > maxPathSeparators {
				// Refused: gjson's Rust port recurses per path element (RPJ_MAX_PATH_SEPARATORS).
				if !errors.Is(err, ErrInvalidArgument) {
					t.Errorf("%s, a path of %d separators: %v, want ErrInvalidArgument", name, separators, err)
				}
				refused++
				continue
			}
			if err != nil {
				t.Errorf("%s, %.60q: %v", name, path, err)
				continue
			}
			want := gjson.Get(document, path).Raw
			known, isKnown := knownDifferences[[2]string{name, path}]
			switch {
			case isKnown && got == want:
				t.Errorf("%s, %q: no longer differs from gjson: remove it from knownDifferences", name, path)
			case isKnown && known != "" && got != known:
				t.Errorf("%s, %q: got %q, known as %q (gjson: %q)", name, path, got, known, want)
			case isKnown:
				differ++
			case got != want:
				t.Errorf("%s, %.60q: got %.80q; gjson answers %.80q", name, path, got, want)
			default:
				same++
			}
		}
	}
	if reversed, _ := GetJSONRow(documents["readme"], "@reverse"); !strings.HasPrefix(reversed, `{"friends": [`) {
		t.Errorf("readme, @reverse: %.40q", reversed)
	}
	t.Logf("%d answers equal gjson's, %d known differences, %d paths refused", same, differ, refused)
}

// TestAnswersAreSubstringsOfTheInput: an answer that is a part of the input is returned as a
// substring of it (the same bytes, not a copy), with no allocation.
func TestAnswersAreSubstringsOfTheInput(t *testing.T) {
	document := documents["readme"]
	got, err := GetJSONRow(document, "friends.1")
	if err != nil {
		t.Fatal(err)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(document)))
	at := uintptr(unsafe.Pointer(unsafe.StringData(got)))
	if at < start || at+uintptr(len(got)) > start+uintptr(len(document)) {
		t.Errorf("the answer %q is a copy, not a part of the input", got)
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = GetJSONRow(document, "friends.1.last") }); allocs != 0 {
		t.Errorf("%v allocations per call, want 0", allocs)
	}
	// A computed answer larger than the stack buffer takes the second call, with a heap buffer.
	huge := documents["huge"]
	got, err = GetJSONRow(huge, "items.#.id")
	if want := gjson.Get(huge, "items.#.id").Raw; err != nil || got != want || len(got) < 256 {
		t.Errorf("a large computed answer: %d bytes, %v; gjson's has %d", len(got), err, len(want))
	}
}

// TestTheLimitIsTheHeaders: maxPathSeparators is what include/rp_json_row.h defines.
func TestTheLimitIsTheHeaders(t *testing.T) {
	header, err := os.ReadFile("../../include/rp_json_row.h")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("#define RPJ_MAX_PATH_SEPARATORS %d\n", maxPathSeparators); !strings.Contains(string(header), want) {
		t.Errorf("rp_json_row.h lacks %q", want)
	}
}

// TestInvalidUTF8: input or path that is not UTF-8 is ErrInvalidUTF8 (gjson reads such bytes as
// they are; a Rust string must be UTF-8, so the plugin refuses them), never a crash.
func TestInvalidUTF8(t *testing.T) {
	for _, c := range []struct{ input, path string }{
		{"{\"a\":\"\xff\"}", "a"},
		{`{"a":1}`, "a\xc3"},
		{"\xed\xa0\x80", ""},
	} {
		_, err := GetJSONRow(c.input, c.path)
		var status *Error
		if !errors.Is(err, ErrInvalidUTF8) || !errors.As(err, &status) || !strings.Contains(status.Message, "UTF-8") {
			t.Errorf("GetJSONRow(%q, %q): %v, want ErrInvalidUTF8", c.input, c.path, err)
		}
	}
}
