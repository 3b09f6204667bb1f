package wasm

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/wasmplugin"
	"rustplugin/go-interop/wasmplugin/hostilewasm"
)

// liarModule is a user-manager guest that lies, assembled here: it claims 4 users, answers every
// lookup with user 1000, and every search with 2^27 matches (in an empty result). The export
// named loopIn, if any, never returns.
func liarModule(loopIn string) []byte {
	i32 := func(v uint64) []byte { return hostilewasm.Sleb([]byte{0x41}, int64(v)) } // i32.const
	forever := []byte{0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 0x00}                      // loop br 0 end; i32.const 0
	// find_users(len): 4 when asked for the count (len 0), else 2^27.
	findUsers := append([]byte{0x20, 0x00, 0x45, 0x04, 0x7f}, i32(4)...)
	findUsers = append(append(append(findUsers, 0x05), i32(1<<27)...), 0x0b)
	types := hostilewasm.Vector([]byte{0x60, 0, 1, 0x7f}, []byte{0x60, 1, 0x7f, 1, 0x7f}, []byte{0x60, 2, 0x7f, 0x7f, 1, 0x7f},
		[]byte{0x60, 2, 0x7e, 0x7e, 1, 0x7e})
	exports := []struct {
		name      string
		typeIndex byte
		code      []byte
	}{
		{"rp_wasm_start", 0, i32(0)}, // the result area at 0: address 0, length 0
		{"rp_wasm_input", 1, i32(64)},
		{"rp_um_load", 1, i32(0)},
		{"rp_um_load_demo", 0, i32(0)},
		{"rp_um_get_user", 2, i32(1000)},
		{"rp_um_get_user_by_claim", 2, i32(1000)},
		{"rp_um_find_users", 1, findUsers},
		{"rp_um_user", 1, i32(0)},
		{"Add", 3, []byte{0x42, 0x00}},
	}
	var funcs, codes, exported [][]byte
	for i, e := range exports {
		if e.name == loopIn {
			e.code = forever
		}
		funcs = append(funcs, []byte{e.typeIndex})
		codes = append(codes, hostilewasm.Function(e.code))
		exported = append(exported, append(append(hostilewasm.Name(e.name), 0x00), hostilewasm.Uleb(nil, uint64(i))...))
	}
	exported = append(exported, append(hostilewasm.Name("memory"), 0x02, 0x00))
	out := []byte(hostilewasm.Header)
	out = hostilewasm.Section(out, hostilewasm.TypeSection, types)
	out = hostilewasm.Section(out, hostilewasm.FuncSection, hostilewasm.Vector(funcs...))
	out = hostilewasm.Section(out, hostilewasm.MemorySection, hostilewasm.Vector([]byte{0x01, 1, 1})) // one page
	out = hostilewasm.Section(out, hostilewasm.ExportSection, hostilewasm.Vector(exported...))
	out = hostilewasm.Section(out, hostilewasm.CodeSection, hostilewasm.Vector(codes...))
	return hostilewasm.Section(out, hostilewasm.CustomSection, hostilewasm.Custom(wasmplugin.Section, "1.0 user-manager liar 1"))
}

func writeModule(t *testing.T, module []byte) string {
	path := filepath.Join(t.TempDir(), "liar.wasm")
	if err := os.WriteFile(path, module, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// What a lying guest answers is checked against what the host owns before it indexes or sizes
// anything: an index past the users and a match count past them are faults, not a panic and
// not a 1 GiB allocation.
func TestALyingGuestGetsAFaultNotAPanic(t *testing.T) {
	m, err := OpenDemo(writeModule(t, liarModule("")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.UserCount() != 4 {
		t.Fatalf("%d users", m.UserCount())
	}
	if _, err := m.GetUser(usermanager.UserID{OpaqueID: "einstein"}); !errors.Is(err, wasmplugin.ErrTrap) ||
		!strings.Contains(err.Error(), "user 1000 of 4") {
		t.Fatalf("user 1000 of 4: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = m.FindUsers("x")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, wasmplugin.ErrTrap) || !strings.Contains(err.Error(), "134217728 matches in 0 bytes, of 4 users") {
		t.Fatalf("2^27 matches of 4 users: %v", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
		t.Fatalf("%d bytes allocated for a lie", grown)
	}
}

// With a call deadline, the load itself is bounded too: a guest that loops while loading is
// stopped at LoadTimeout.
func TestALoadThatLoopsIsStopped(t *testing.T) {
	start := time.Now()
	_, err := OpenDemo(writeModule(t, liarModule("rp_um_load_demo")), Options{CallTimeout: time.Second, LoadTimeout: 500 * time.Millisecond})
	if !errors.Is(err, wasmplugin.ErrDeadline) || !strings.Contains(err.Error(), "past its time limit of 500ms") {
		t.Fatalf("%v", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("stopped after %v", elapsed)
	}
}

// A lookup that loops is stopped at CallTimeout (the module's lease, no timer per call), and the
// instance is replaced: the next call is stopped the same way, not stuck behind the first.
func TestALookupThatLoopsIsStopped(t *testing.T) {
	m, err := OpenDemo(writeModule(t, liarModule("rp_um_get_user")), Options{CallTimeout: 200 * time.Millisecond, MaxInstances: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 2 {
		start := time.Now()
		_, err := m.GetUser(usermanager.UserID{OpaqueID: "einstein"})
		elapsed := time.Since(start)
		if !errors.Is(err, wasmplugin.ErrDeadline) || !strings.Contains(err.Error(), "past its time limit of 200ms") {
			t.Fatalf("%v", err)
		}
		if elapsed < 200*time.Millisecond || elapsed > 2*time.Second {
			t.Fatalf("stopped after %v, with a limit of 200ms", elapsed)
		}
	}
	if _, err := m.GetUserByClaim("mail", "x"); !errors.Is(err, wasmplugin.ErrTrap) {
		t.Fatalf("a call that does not loop, after two stopped: %v", err)
	}
}
