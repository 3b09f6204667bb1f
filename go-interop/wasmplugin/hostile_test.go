package wasmplugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustplugin/go-interop/wasmplugin/hostilewasm"
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

// rewrite rebuilds module through edit (hostilewasm.Rewrite), failing the test on an error.
func rewrite(t *testing.T, module []byte, edit func(id byte, body []byte) []hostilewasm.Replacement) []byte {
	t.Helper()
	out, err := hostilewasm.Rewrite(module, edit)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

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
		edit       func(id byte, body []byte) []hostilewasm.Replacement
	}{
		{"a start function", "a start function", func(id byte, body []byte) []hostilewasm.Replacement {
			if id == hostilewasm.ExportSection { // after the exports: start function 0
				return append(hostilewasm.Keep(id, body), hostilewasm.Replacement{ID: hostilewasm.StartSection, Content: []byte{0}})
			}
			return hostilewasm.Keep(id, body)
		}},
		{"a table without a maximum", "a table without a maximum", hostilewasm.UnboundedTable},
		{"a table bomb", "tables of up to 4294967295 elements", func(id byte, body []byte) []hostilewasm.Replacement {
			if id == hostilewasm.TableSection {
				return []hostilewasm.Replacement{{ID: id, Content: []byte{1, 0x70, 0x01, 1, 0xff, 0xff, 0xff, 0xff, 0x0f}}}
			}
			return hostilewasm.Keep(id, body)
		}},
		{"two memories", "2 memories", func(id byte, body []byte) []hostilewasm.Replacement {
			if id == hostilewasm.MemorySection {
				return []hostilewasm.Replacement{{ID: id, Content: []byte{2, 0, 1, 0, 1}}}
			}
			return hostilewasm.Keep(id, body)
		}},
		{"a 60 MiB ABI section", "section is 62914571 bytes, over 1024", func(id byte, body []byte) []hostilewasm.Replacement {
			if id == hostilewasm.CustomSection && bytes.Contains(body[:min(len(body), 20)], []byte(Section)) {
				return []hostilewasm.Replacement{{ID: id, Content: hostilewasm.Custom(Section, "1.0 http "+big+" 1")}}
			}
			return hostilewasm.Keep(id, body)
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

// A compile bomb is refused once its compilation passes the deadline: the compiler runs in a
// child process, which is killed; the host spends the deadline and no more.
func TestACompileBombIsStoppedAtItsDeadline(t *testing.T) {
	module := hostilewasm.CompileBomb(50_000, hostilewasm.Custom(Section, "1.0 http bomb 1"))
	start := time.Now()
	_, err := Compile(context.Background(), module, "http", httpExports, Options{CompileTimeout: time.Second})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "did not compile within") {
		t.Fatalf("%.300v", err)
	}
	if elapsed > 3*time.Second {
		t.Errorf("refused after %v", elapsed)
	}
}

// A module that passed the compile check is not checked again within the same limits (no second
// child), and is checked again within other limits; a module that failed it is checked each time.
func TestACheckThatPassedIsRemembered(t *testing.T) {
	module := echoModule(t)
	compile := func(options Options) int64 {
		t.Helper()
		before := checksStarted.Load()
		m, err := Compile(context.Background(), module, "http", httpExports, options)
		if err != nil {
			t.Fatal(err)
		}
		m.Close(context.Background())
		return checksStarted.Load() - before
	}
	limits := Options{CompileMemoryBytes: 3 << 30}
	compile(limits)
	if started := compile(limits); started != 0 {
		t.Errorf("the same module within the same limits: %d checks started, want 0", started)
	}
	if started := compile(Options{CompileMemoryBytes: 3<<30 - 1}); started != 1 {
		t.Errorf("within other limits: %d checks started, want 1", started)
	}
	bomb := hostilewasm.CompileBomb(50_000, hostilewasm.Custom(Section, "1.0 http bomb 2"))
	for range 2 {
		before := checksStarted.Load()
		if _, err := Compile(context.Background(), bomb, "http", httpExports, Options{CompileTimeout: 300 * time.Millisecond}); !errors.Is(err, ErrRefused) {
			t.Fatalf("the bomb: %.300v", err)
		}
		if started := checksStarted.Load() - before; started != 1 {
			t.Errorf("the bomb again: %d checks started, want 1", started)
		}
	}
}

// Two modules compiled from the same bytes share their machine code (the compilation cache);
// closing one leaves the other's whole: a new instance of it still runs.
func TestModulesOfTheSameBytesOutliveEachOther(t *testing.T) {
	ctx := context.Background()
	module := echoModule(t)
	// runNew runs rp_http_init in a new instance of m (the n-th m made) and keeps the instance.
	runNew := func(m *Module, n int) *Instance {
		t.Helper()
		in, err := m.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Instances() != n {
			t.Fatalf("%d instances, want %d", m.Instances(), n)
		}
		if _, err = in.Call(ctx, 0, 0); err != nil { // rp_http_init with an empty configuration
			t.Fatal(err)
		}
		return in
	}
	first, err := Compile(ctx, module, "http", httpExports, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Compile(ctx, module, "http", httpExports, Options{MaxInstances: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close(ctx)
	first.Put(runNew(first, 1), nil)
	kept := runNew(second, 1)
	first.Close(ctx)
	runtime.GC() // code nobody holds any more is freed now
	second.Put(runNew(second, 2), nil)
	second.Put(kept, nil)
}

// Closing a module frees its machine code even though the compilation cache is shared: loading
// and closing modules of ever new bytes (a gateway reloading changed plugins for months) maps no
// more executable memory than one of them.
func TestClosedModulesLeaveNoCode(t *testing.T) {
	ctx := context.Background()
	echo := echoModule(t)
	const modules = 20
	var before uint64
	for i := range modules + 1 {
		if i == 1 { // after the first: the engine's own code stays
			runtime.GC()
			before = executableBytes(t)
		}
		module := append(bytes.Clone(echo), hostilewasm.Section(nil, hostilewasm.CustomSection, hostilewasm.Custom("pad", strconv.Itoa(i)))...)
		m, err := Compile(ctx, module, "http", httpExports, Options{CompileTimeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		m.Close(ctx)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC() // the code is unmapped by a finalizer
		after := executableBytes(t)
		if after <= before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d modules loaded and closed: %d bytes of executable mappings, %d before", modules, after, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// executableBytes is the size of this process's anonymous executable mappings (compiled Wasm code).
func executableBytes(t *testing.T) uint64 {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	var total uint64
	for _, line := range strings.Split(string(maps), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 5 || !strings.Contains(fields[1], "x") {
			continue
		}
		var start, end uint64
		if _, err := fmt.Sscanf(fields[0], "%x-%x", &start, &end); err == nil {
			total += end - start
		}
	}
	return total
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
