package wasmplugin

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var repoRoot = filepath.Join("..", "..")

// The version constants and status codes are the Rust side's: read from its source and header.
func TestConstantsMatchTheRustSide(t *testing.T) {
	source, err := os.ReadFile(filepath.Join(repoRoot, "rust-plugin", "rp-ffi-core", "src", "wasm.rs"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"MAJOR": ABIVersionMajor, "MINOR": ABIVersionMinor} {
		m := regexp.MustCompile(`RP_WASM_ABI_VERSION_` + name + `: u32 = (\d+);`).FindSubmatch(source)
		if m == nil {
			t.Fatalf("no RP_WASM_ABI_VERSION_%s in wasm.rs", name)
		}
		if got, _ := strconv.Atoi(string(m[1])); got != want {
			t.Errorf("RP_WASM_ABI_VERSION_%s is %d in Rust, %d here", name, got, want)
		}
	}

}

func TestReadInfoRefusesWhatIsNotAPluginModule(t *testing.T) {
	section := func(name, text string) []byte {
		body := append([]byte{byte(len(name))}, name...)
		body = append(body, text...)
		return append([]byte{0, byte(len(body))}, body...)
	}
	header := []byte("\x00asm\x01\x00\x00\x00")
	for _, c := range []struct {
		name   string
		module []byte
		want   error
	}{
		{"ELF", []byte("\x7fELF\x02\x01\x01"), ErrRefused},
		{"no section", header, ErrRefused},
		{"size past the end", append(append([]byte{}, header...), 0, 0x7f, 1), ErrRefused},
		{"malformed text", append(append([]byte{}, header...), section(Section, "one two")...), ErrRefused},
	} {
		if _, err := ReadInfo(c.module); !errors.Is(err, c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	info, err := ReadInfo(append(append([]byte{}, header...), section(Section, "1.7 http echo 2.0.0")...))
	if err != nil || info != (Info{Major: 1, Minor: 7, Kind: "http", Name: "echo", Version: "2.0.0"}) {
		t.Fatalf("%+v, %v", info, err)
	}
}
