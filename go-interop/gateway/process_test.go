package gateway

import (
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// processFaults: what the faulty plugin's faults answer out of process. A panic is contained in
// the plugin (500, the server lives); the others kill the server (502), which is restarted; the
// loop runs past the deadline (504), and its server is killed a grace period later.
var processFaults = []struct{ fault, status, message string }{
	{"panic", "500", "the handler was asked to panic"},
	{"segfault", "502", "killed by signal 11"},
	{"abort", "502", "killed by signal 6"},
	{"stack-overflow", "502", "killed by signal"},
	{"loop", "504", "did not finish before its deadline"},
	{"memory-bomb", "502", "killed by signal 6"},
}

// processGateway serves the faulty plugin out of process with a short deadline and a memory limit.
func processGateway(t *testing.T, timeout time.Duration) (*Gateway, string) {
	g, err := New(Options{TempDir: t.TempDir(), PluginDirs: []string{filepath.Dir(faultyPlugin)}, ProcessTimeout: timeout,
		ProcessMemoryBytes: 256 << 20, MaxInFlight: 16})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AddProcessPlugin("/faulty", faultyPlugin, ""); err != nil {
		t.Fatalf("%v (run `make build-rust` first)", err)
	}
	s := httptest.NewServer(g)
	t.Cleanup(func() { s.Close(); g.Close() })
	return g, s.URL + "/faulty"
}

func TestProcessFaultsAreContained(t *testing.T) {
	g, url := processGateway(t, time.Second)
	generation := currentGeneration(t, g, "/faulty")
	if !strings.Contains(generation.Version, "out of process") {
		t.Errorf("version %q", generation.Version)
	}
	for _, f := range processFaults {
		start := time.Now()
		a := send(t, "GET", url, "", "X-Fault", f.fault)
		if strconv.Itoa(a.status) != f.status || !strings.Contains(a.body, f.message) {
			t.Errorf("%s: %d %q, want %s and %q", f.fault, a.status, a.body, f.status, f.message)
		}
		failed := time.Now()
		next := send(t, "GET", url, "")
		if next.status != 200 || next.body != "ok" {
			t.Errorf("after %s: %+v", f.fault, next)
		}
		t.Logf("%-14s %d in %v, next 200 %v later: %s", f.fault, a.status, failed.Sub(start).Round(time.Millisecond),
			time.Since(failed).Round(time.Millisecond), strings.TrimSpace(a.body))
	}
	if after := currentGeneration(t, g, "/faulty").ID; after != generation.ID {
		t.Fatalf("the plugin was reloaded: generation %d -> %d", generation.ID, after)
	}
}

// TestProcessCrashesUnderLoad: 4 clients send plain requests while a fifth makes the plugin
// segfault or loop, 40 times in a row: the gateway serves throughout. Requests in the server when
// it dies get 502; while crashes follow each other the restarts back off, and requests that find
// no server within their deadline get 503.
func TestProcessCrashesUnderLoad(t *testing.T) {
	_, url := processGateway(t, 200*time.Millisecond)
	stop := underLoad(4, func(int) bool {
		a, err := request("GET", url, "")
		if err != nil {
			t.Error(err)
		}
		return err == nil && a.status == 200
	})
	for i := 0; i < 40; i++ {
		fault := []string{"segfault", "loop"}[i%2]
		if a := send(t, "GET", url, "", "X-Fault", fault); a.status != 502 && a.status != 503 && a.status != 504 {
			t.Errorf("%s: %+v", fault, a)
		}
	}
	served, failed := stop()
	t.Logf("40 faults under load: %d requests served, %d failed with the crashes", served, failed)
	deadline := time.Now().Add(10 * time.Second) // past the longest backoff (2 s)
	for a := send(t, "GET", url, ""); a.status != 200; a = send(t, "GET", url, "") {
		if time.Now().After(deadline) {
			t.Fatalf("after the faults: %+v", a)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if served == 0 {
		t.Fatal("no request was served")
	}
}
