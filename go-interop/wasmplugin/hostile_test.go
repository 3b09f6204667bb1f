package wasmplugin

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echoModule is the echo plugin as scripts/build-wasm.sh builds it: the base the hostile modules
// below are made from.
func echoModule(t *testing.T) []byte {
	t.Helper()
	module, err := os.ReadFile(filepath.Join(repoRoot, "target", "wasm32-unknown-unknown", "release", "echo_plugin.wasm"))
	if err != nil {
		t.Fatalf("%v (run `make build` first)", err)
	}
	return module
}

// rewrite rebuilds module with each section passed through edit, which returns the sections
// to put in its place (none to drop it).
func rewrite(t *testing.T, module []byte, edit func(id byte, body []byte) [][2][]byte) []byte {
	t.Helper()
	out := append([]byte{}, module[:8]...)
	err := sections(module, func(id byte, body []byte) error {
		for _, section := range edit(id, body) {
			out = append(out, section[0][0])
			out = appendUleb(out, uint64(len(section[1])))
			out = append(out, section[1]...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func appendUleb(out []byte, v uint64) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func keep(id byte, body []byte) [][2][]byte { return [][2][]byte{{{id}, body}} }

var httpExports = []Export{I32("rp_http_init", 1), I32("rp_http_handle", 1), I32("rp_http_close", 0)}

// Modules that would escape their limits before any of their code runs are refused, with an error
// that says why; nothing of them is compiled.
func TestHostileModulesAreRefusedBeforeTheyRun(t *testing.T) {
	echo := echoModule(t)
	if _, err := Compile(context.Background(), echo, "http", httpExports, Options{}); err != nil {
		t.Fatalf("the echo plugin itself: %v", err)
	}
	big := strings.Repeat("x", 60<<20)
	for _, c := range []struct {
		name, want string
		edit       func(id byte, body []byte) [][2][]byte
	}{
		{"a start function", "a start function", func(id byte, body []byte) [][2][]byte {
			if id == 7 { // after the exports: start function 0
				return append(keep(id, body), [2][]byte{{8}, {0}})
			}
			return keep(id, body)
		}},
		{"a table without a maximum", "a table without a maximum", func(id byte, body []byte) [][2][]byte {
			if id == tableSection { // one funcref table of min 1, no max
				return [][2][]byte{{{id}, {1, 0x70, 0x00, 1}}}
			}
			return keep(id, body)
		}},
		{"a table bomb", "tables of up to 4294967295 elements", func(id byte, body []byte) [][2][]byte {
			if id == tableSection {
				return [][2][]byte{{{id}, {1, 0x70, 0x01, 1, 0xff, 0xff, 0xff, 0xff, 0x0f}}}
			}
			return keep(id, body)
		}},
		{"two memories", "2 memories", func(id byte, body []byte) [][2][]byte {
			if id == memorySection {
				return [][2][]byte{{{id}, {2, 0, 1, 0, 1}}}
			}
			return keep(id, body)
		}},
		{"a 60 MiB ABI section", "section is 62914571 bytes, over 1024", func(id byte, body []byte) [][2][]byte {
			if id == 0 && bytes.Contains(body[:min(len(body), 20)], []byte(Section)) {
				text := append(append([]byte{byte(len(Section))}, Section...), "1.0 http "+big+" 1"...)
				return [][2][]byte{{{0}, text}}
			}
			return keep(id, body)
		}},
	} {
		module := rewrite(t, echo, c.edit)
		_, err := Compile(context.Background(), module, "http", httpExports, Options{MemoryLimitBytes: 16 << 20})
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) || len(err.Error()) > 2*MaxQuoteBytes {
			t.Errorf("%s: %.300v", c.name, err)
		}
	}
}

func TestQuotesFromAModuleAreBounded(t *testing.T) {
	if got := Quote([]byte("short \xff")); got != "short \uFFFD" {
		t.Errorf("%q", got)
	}
	long := Quote(bytes.Repeat([]byte("y"), 10*MaxQuoteBytes))
	if len(long) > MaxQuoteBytes+40 || !strings.HasSuffix(long, "... (9216 more bytes)") {
		t.Errorf("%d bytes: ...%q", len(long), long[len(long)-30:])
	}
}

// bomb is a module of one function of depth blocks nested in each other: a few bytes a level,
// compile work that grows faster than its size.
func bomb(depth int) []byte {
	body := []byte{0} // no locals
	for range depth {
		body = append(body, 0x02, 0x40) // block (no result)
	}
	for range depth + 1 {
		body = append(body, 0x0b) // end
	}
	code := appendUleb([]byte{1}, uint64(len(body)))
	code = append(code, body...)
	section := func(out []byte, id byte, content []byte) []byte {
		return append(appendUleb(append(out, id), uint64(len(content))), content...)
	}
	abi := append([]byte{byte(len(Section))}, Section+"1.0 http bomb 1"...)
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = section(out, 1, []byte{1, 0x60, 0, 0}) // one type: () -> ()
	out = section(out, 3, []byte{1, 0})          // one function of it
	out = section(out, 10, code)
	return section(out, 0, abi)
}

// A compile bomb is refused once its compilation passes the deadline: the compiler runs in a
// child process, which is killed; the host spends the deadline and no more.
func TestACompileBombIsStoppedAtItsDeadline(t *testing.T) {
	module := bomb(50_000)
	start := time.Now()
	_, err := Compile(context.Background(), module, "http", httpExports, Options{CompileTimeout: time.Second})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "did not compile within 1s") {
		t.Fatalf("%.300v", err)
	}
	if elapsed > 3*time.Second {
		t.Errorf("refused after %v", elapsed)
	}
}

// After a burst, instances idle past IdleTimeout are retired down to the one kept warm: a burst
// does not keep MaxInstances memories for as long as the module is loaded.
func TestIdleInstancesGiveTheirMemoryBack(t *testing.T) {
	ctx := context.Background()
	m, err := Compile(ctx, echoModule(t), "http", httpExports, Options{MaxInstances: 4, IdleTimeout: 100 * time.Millisecond,
		Init: func(ctx context.Context, in *Instance) error {
			_, err := in.Call(ctx, 0, 0) // rp_http_init with an empty configuration
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	var burst []*Instance
	for range 4 {
		in, err := m.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		burst = append(burst, in)
	}
	for _, in := range burst {
		m.Put(in, nil)
	}
	if m.Instances() != 4 {
		t.Fatalf("%d instances after the burst", m.Instances())
	}
	deadline := time.Now().Add(5 * time.Second)
	for m.Instances() > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d instances still alive, %d retired", m.Instances(), m.Retired.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	in, err := m.Get(ctx) // the warm one still serves
	if err != nil {
		t.Fatal(err)
	}
	m.Put(in, nil)
}
