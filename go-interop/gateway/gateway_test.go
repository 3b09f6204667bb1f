package gateway

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Paths from this package's folder (go test runs in it); make test builds them first.
var (
	repoRoot     = filepath.Join("..", "..")
	echoPlugin   = filepath.Join(repoRoot, "target", "release", "libecho_plugin.so")
	legacyPlugin = filepath.Join(repoRoot, "target", "release", "liblegacy_base64_plugin.so")
	faultyPlugin = filepath.Join(repoRoot, "target", "release", "libfaulty_plugin.so")
	wrongABI     = filepath.Join(repoRoot, "c-host", "build", "libfake-abi99.so")
	notAPlugin   = filepath.Join(repoRoot, "c-host", "build", "libnot-a-plugin.so")
	helloC       = filepath.Join(repoRoot, "c-host", "build", "libhello-c.so")
	goEchoPlugin = filepath.Join("..", "build", "goechoplugin.so")
	// The same plugins built for wasm32 (scripts/build-wasm.sh).
	wasmDir         = filepath.Join(repoRoot, "target", "wasm32-unknown-unknown", "release")
	echoWasm        = filepath.Join(wasmDir, "echo_plugin.wasm")
	legacyWasm      = filepath.Join(wasmDir, "legacy_base64_plugin.wasm")
	faultyWasm      = filepath.Join(wasmDir, "faulty_plugin.wasm")
	userManagerWasm = filepath.Join(wasmDir, "rustplugin.wasm")
)

// reloadsUnderLoad is how many reloads TestReloadsUnderConcurrentRequests makes.
const reloadsUnderLoad = 50

// testAdminToken is the admin token of the test servers.
const testAdminToken = "test-admin-token-0123456789"

// testServer is a gateway's two listeners in a test, and a plugin directory of the test's own.
type testServer struct {
	URL     string // the plugin routes
	Admin   string // the admin operations
	Scratch string // a plugin directory the test may write files into
}

// admin sends an admin request with the token.
func (s *testServer) admin(t *testing.T, method, path string) answer {
	t.Helper()
	return send(t, method, s.Admin+path, "", "Authorization", "Bearer "+testAdminToken)
}

// newTestGateway makes a gateway whose plugin directories are the build's and scratch.
func newTestGateway(t testing.TB, scratch string) *Gateway {
	t.Helper()
	g, err := New(Options{TempDir: t.TempDir(), PluginDirs: []string{filepath.Dir(echoPlugin), filepath.Dir(helloC), wasmDir, scratch}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// server starts a gateway with the echo, legacy-base64 and faulty plugins behind two httptest
// servers (routes, admin); they stop at the end of the test, and every generation must be
// unloaded by then.
func server(t *testing.T) (*Gateway, *testServer) {
	t.Helper()
	scratch := t.TempDir()
	g := newTestGateway(t, scratch)
	admin, err := g.AdminHandler(testAdminToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][3]string{{"/echo", echoPlugin, "from-test"}, {"/legacy", legacyPlugin, ""}, {"/faulty", faultyPlugin, ""},
		{"/wasm-echo", echoWasm, "from-test"}, {"/wasm-legacy", legacyWasm, ""}, {"/wasm-faulty", faultyWasm, ""}} {
		if err := g.AddPlugin(p[0], p[1], p[2]); err != nil {
			t.Fatalf("%v (run `make build` first)", err)
		}
	}
	if err := g.AddProcessPlugin("/process-echo", echoPlugin, "from-test"); err != nil {
		t.Fatalf("%v (run `make build` first)", err)
	}
	s := httptest.NewServer(g)
	a := httptest.NewServer(admin)
	t.Cleanup(func() {
		s.Close()
		a.Close()
		g.Close()
		if mapped := MappedFiles(g.dir); len(mapped) != 0 {
			t.Errorf("after Close, still mapped: %v", mapped)
		}
	})
	return g, &testServer{URL: s.URL, Admin: a.URL, Scratch: scratch}
}

type answer struct {
	status int
	header http.Header
	body   string
}

// request sends one request; safe from any goroutine.
func request(method, url, body string, headers ...string) (answer, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(data)}, err
}

// send is request from the test's goroutine, failing the test on a transport error.
func send(t *testing.T, method, url, body string, headers ...string) answer {
	t.Helper()
	a, err := request(method, url, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func currentGeneration(t *testing.T, g *Gateway, route string) Generation {
	t.Helper()
	for _, gen := range g.Status().Generations {
		if gen.Route == route && gen.Current {
			return gen
		}
	}
	t.Fatalf("no current generation at %s", route)
	return Generation{}
}

func TestEchoAndTwoVersionsOfBase64SideBySide(t *testing.T) {
	_, s := server(t)
	before := callbacks.Load()
	a := send(t, "POST", s.URL+"/echo", "hello", "Content-Type", "text/plain")
	if made := callbacks.Load() - before; made != 0 {
		t.Errorf("an ABI %s plugin made %d callbacks for one request, want 0 (one serve call)", ABIVersion, made)
	}
	if a.status != 200 || a.body != "hello" || a.header.Get("Content-Type") != "text/plain" ||
		a.header.Get("X-Echo-Config") != "from-test" || !strings.HasPrefix(a.header.Get("X-Plugin"), "echo-plugin/") {
		t.Fatalf("echo: %+v", a)
	}
	// base64 0.23 (echo) and 0.13 (legacy) in one process, the same answer.
	modern := send(t, "POST", s.URL+"/echo/sub/path", "hello, plugins", "X-Echo-Encoding", "base64")
	legacy := send(t, "POST", s.URL+"/legacy", "hello, plugins")
	if modern.body != "aGVsbG8sIHBsdWdpbnM=" || legacy.body != modern.body || legacy.header.Get("X-Base64-Crate") != "0.13" {
		t.Fatalf("base64: echo %+v, legacy %+v", modern, legacy)
	}
	// A handler error is a 500 with the plugin's message.
	bad := send(t, "POST", s.URL+"/echo", "x", "X-Echo-Encoding", "rot13")
	if bad.status != 500 || !strings.Contains(bad.body, `RP_PLUGIN_FAILED: unknown X-Echo-Encoding "rot13"`) {
		t.Fatalf("bad encoding: %+v", bad)
	}
	if native := send(t, "POST", s.URL+"/native-echo", "hello"); native.body != "hello" || native.header.Get("X-Plugin") != "go-native" {
		t.Fatalf("native echo: %+v", native)
	}
}

// TestPluginWrittenInC: hello-c is a C plugin of ABI 1.0 (no serve): the gateway still serves it,
// through handle and the callbacks.
func TestPluginWrittenInC(t *testing.T) {
	g, s := server(t)
	if err := g.AddPlugin("/hello", helloC, ""); err != nil {
		t.Fatal(err)
	}
	before := callbacks.Load()
	if a := send(t, "GET", s.URL+"/hello", "", "X-Name", "gateway"); a.status != 200 || a.body != "hello, gateway" {
		t.Fatalf("hello-c: %+v", a)
	}
	if made := callbacks.Load() - before; made == 0 {
		t.Errorf("the ABI 1.0 plugin was served without its callbacks")
	}
	if _, err := g.Reload("/hello", ""); err != nil {
		t.Fatal(err)
	}
	if a := send(t, "GET", s.URL+"/hello", ""); a.body != "hello, world" {
		t.Fatalf("hello-c after a reload: %+v", a)
	}
}

func TestPanickingHandlerGives500AndTheGatewayKeepsServing(t *testing.T) {
	g, s := server(t)
	before := currentGeneration(t, g, "/faulty")
	a := send(t, "GET", s.URL+"/faulty", "", "X-Fault", "panic")
	if a.status != 500 || !strings.Contains(a.body, "RP_PANIC: the plugin panicked (contained) at rust-plugin/plugins/faulty-plugin/src/lib.rs:") ||
		!strings.HasSuffix(a.body, "the handler was asked to panic\n") {
		t.Fatalf("panic: %+v", a)
	}
	// Panics and normal requests from several goroutines at once.
	var wrong atomic.Int64
	var wg sync.WaitGroup
	for worker := 0; worker < 4; worker++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if a, err := request("GET", s.URL+"/faulty", "", "X-Fault", "panic"); err != nil || a.status != 500 {
					wrong.Add(1)
				}
				if a, err := request("GET", s.URL+"/faulty", ""); err != nil || a.status != 200 || a.body != "ok" {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d wrong answers", wrong.Load())
	}
	if after := currentGeneration(t, g, "/faulty"); after.ID != before.ID {
		t.Fatalf("the plugin was replaced after panics: %d -> %d", before.ID, after.ID)
	}
	if echo := send(t, "POST", s.URL+"/echo", "still here"); echo.body != "still here" {
		t.Fatalf("echo after panics: %+v", echo)
	}
}

func TestRefusedReloadsKeepTheCurrentPluginServing(t *testing.T) {
	g, s := server(t)
	// A route whose configuration the faulty plugin's init refuses, served by echo (which takes any).
	if err := g.AddPlugin("/strict", echoPlugin, "fail-init"); err != nil {
		t.Fatal(err)
	}
	if err := g.AddPlugin("/never", faultyPlugin, "fail-init"); err == nil ||
		!strings.Contains(err.Error(), `RP_PLUGIN_FAILED: plugin faulty-plugin 0.1.0 (`+faultyPlugin+`) refused to start: init refused the configuration "fail-init"`) {
		t.Fatalf("a plugin failing init was added: %v", err)
	}
	if a := send(t, "GET", s.URL+"/never", ""); a.status != 404 {
		t.Fatalf("/never answered %d", a.status)
	}
	corrupt := filepath.Join(s.Scratch, "corrupt.so")
	if err := os.WriteFile(corrupt, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(s.Scratch, "missing.so")
	for _, c := range []struct{ route, path, message string }{
		{"/echo", wrongABI, fmt.Sprintf("RP_ABI_MISMATCH: cannot use %s: HTTP plugin ABI 99.0 (descriptor of %d bytes) is incompatible with this host's ABI %s", wrongABI, descriptorSize, ABIVersion)},
		{"/echo", notAPlugin, "RP_ABI_MISMATCH: refused " + notAPlugin + ": it is not an HTTP plugin (it does not export rp_http_plugin_get_descriptor)"},
		{"/echo", missing, "RP_IO: cannot read plugin: lstat " + missing + ": no such file or directory"},
		{"/echo", corrupt, "RP_ABI_MISMATCH: refused " + corrupt + ": it is not an HTTP plugin (it is not an ELF file)"},
		{"/strict", faultyPlugin, `RP_PLUGIN_FAILED: plugin faulty-plugin 0.1.0 (` + faultyPlugin + `) refused to start: init refused the configuration "fail-init"`},
	} {
		before := currentGeneration(t, g, c.route)
		mappedBefore := MappedFiles(g.dir)
		a := s.admin(t, "POST", "/admin/reload?route="+c.route+"&path="+c.path)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, c.message) {
			t.Errorf("reload %s from %s: %d %q, want 422 with %q", c.route, c.path, a.status, a.body, c.message)
		}
		after := currentGeneration(t, g, c.route)
		if after.ID != before.ID {
			t.Errorf("reload %s from %s swapped in generation %d", c.route, c.path, after.ID)
		}
		if echo := send(t, "POST", s.URL+c.route, "still serving"); echo.status != 200 || echo.body != "still serving" {
			t.Errorf("%s after a refused reload: %+v", c.route, echo)
		}
		if mapped := MappedFiles(g.dir); strings.Join(mapped, ",") != strings.Join(mappedBefore, ",") {
			t.Errorf("refused reload changed the mapped files: %v -> %v", mappedBefore, mapped)
		}
	}
	if entries, _ := os.ReadDir(g.dir); len(entries) != 8 { // the seven routes' copies and one reload's
		t.Errorf("refused copies left behind: %v", entries)
	}
	if a := s.admin(t, "POST", "/admin/reload?route=/nothing"); a.status != 404 {
		t.Errorf("reload of an unknown route: %+v", a)
	}
	if a := s.admin(t, "GET", "/admin/reload?route=/echo"); a.status != 405 {
		t.Errorf("GET reload: %+v", a)
	}
	if status := g.Status(); status.FailedReloads != 5 || status.Reloads != 0 {
		t.Errorf("status counts %d reloads, %d refused", status.Reloads, status.FailedReloads)
	}
}

func TestReloadWaitsForTheOldPluginsLastRequest(t *testing.T) {
	g, s := server(t)
	old := currentGeneration(t, g, "/echo")
	slow := make(chan answer, 1)
	go func() {
		a, err := request("POST", s.URL+"/echo", "slow", "X-Echo-Delay-Ms", "3000")
		if err != nil {
			a.body = err.Error()
		}
		slow <- a
	}()
	waitFor(t, "the slow request to reach the plugin", func() bool { return currentGeneration(t, g, "/echo").InFlight == 1 })

	a := s.admin(t, "POST", "/admin/reload?route=/echo&path="+legacyPlugin)
	if a.status != 200 || !strings.Contains(a.body, `"plugin": "legacy-base64-plugin"`) {
		t.Fatalf("reload: %+v", a)
	}
	// New requests go to the new plugin while the old one finishes its request.
	if now := send(t, "POST", s.URL+"/echo", "slow"); now.body != "c2xvdw==" {
		t.Fatalf("after the swap: %+v", now)
	}
	if mapped := MappedFiles(g.dir); !slices.Contains(mapped, old.Copy) {
		t.Fatalf("the old plugin was unloaded with a request in flight: %v", mapped)
	}
	if done := <-slow; done.status != 200 || done.body != "slow" || !strings.HasPrefix(done.header.Get("X-Plugin"), "echo-plugin/") {
		t.Fatalf("the in-flight request: %+v", done)
	}
	g.WaitUnloaded(old.ID)
	if mapped := MappedFiles(g.dir); slices.Contains(mapped, old.Copy) || len(mapped) != 3 {
		t.Fatalf("after its last request the old plugin is still mapped: %v", mapped)
	}
	if _, err := os.Stat(old.Copy); !os.IsNotExist(err) {
		t.Fatalf("the old copy is still there: %v", err)
	}
}

func TestSIGHUPReloadsEveryRustPlugin(t *testing.T) {
	g, s := server(t)
	stop := make(chan struct{})
	defer close(stop)
	g.ReloadOnSIGHUP(stop)
	before := currentGeneration(t, g, "/echo")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SIGHUP to reload", func() bool { return g.Status().Reloads == 3 })
	if after := currentGeneration(t, g, "/echo"); after.ID == before.ID || after.Source != echoPlugin {
		t.Fatalf("after SIGHUP: %+v (before %+v)", after, before)
	}
	g.WaitUnloaded(before.ID)
	if mapped := MappedFiles(g.dir); len(mapped) != 3 {
		t.Fatalf("after SIGHUP: mapped %v", mapped)
	}
	if a := send(t, "POST", s.URL+"/echo", "again"); a.body != "again" {
		t.Fatalf("after SIGHUP: %+v", a)
	}
}

func TestGoPluginServesAndCannotBeReloaded(t *testing.T) {
	g, s := server(t)
	if err := g.AddGoPlugin("/go-echo", goEchoPlugin); err != nil {
		t.Fatalf("%v (scripts/test-go.sh builds it)", err)
	}
	if a := send(t, "POST", s.URL+"/go-echo", "hello"); a.status != 200 || a.body != "hello" || a.header.Get("X-Plugin") != "goechoplugin" {
		t.Fatalf("Go plugin: %+v", a)
	}
	if a := s.admin(t, "POST", "/admin/reload?route=/go-echo"); a.status != 422 || !strings.Contains(a.body, "Go plugins cannot be unloaded") {
		t.Fatalf("Go plugin reload: %+v", a)
	}
	// The user manager Go plugin has no NewPlugin.
	userManagerPlugin := filepath.Join("..", "build", "goplugin.so")
	if err := g.AddGoPlugin("/users", userManagerPlugin); err == nil || !strings.Contains(err.Error(), `symbol NewPlugin not found`) {
		t.Fatalf("a Go plugin without NewPlugin: %v", err)
	}
}

// Requests keep flowing, without a single failure, through reloadsUnderLoad swaps.
func TestReloadsUnderConcurrentRequests(t *testing.T) {
	for _, route := range []string{"/echo", "/wasm-echo", "/process-echo"} {
		t.Run(route, func(t *testing.T) { testReloadsUnderConcurrentRequests(t, route) })
	}
}

// underLoad runs send in a loop on `workers` goroutines (i counts each worker's requests) until
// the returned stop is called; stop waits for them and says how many requests succeeded and how
// many failed.
func underLoad(workers int, send func(i int) bool) (stop func() (succeeded, failed int64)) {
	done := make(chan struct{})
	var succeededCount, failedCount atomic.Int64
	var wg sync.WaitGroup
	for worker := 0; worker < workers; worker++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if send(i) {
					succeededCount.Add(1)
				} else {
					failedCount.Add(1)
				}
			}
		}()
	}
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		return succeededCount.Load(), failedCount.Load()
	}
}

func testReloadsUnderConcurrentRequests(t *testing.T, route string) {
	g, s := server(t)
	stop := underLoad(4, func(i int) bool {
		body := fmt.Sprintf("request %d", i)
		a, err := request("POST", s.URL+route, body)
		return err == nil && a.status == 200 && a.body == body
	})
	for i := 0; i < reloadsUnderLoad; i++ {
		if _, err := g.Reload(route, ""); err != nil {
			stop()
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	succeeded, failed := stop()
	served := succeeded + failed
	if failed != 0 || served < reloadsUnderLoad {
		t.Fatalf("%d of %d requests failed", failed, served)
	}
	last := currentGeneration(t, g, route)
	for _, gen := range g.Status().Generations {
		if gen.Route == route && gen.ID != last.ID {
			g.WaitUnloaded(gen.ID)
		}
	}
	if mapped := MappedFiles(g.dir); len(mapped) != 3 {
		t.Fatalf("after %d reloads: mapped %v", reloadsUnderLoad, mapped)
	}
	t.Logf("%s: %d requests, %d reloads, 0 failures", route, served, reloadsUnderLoad)
}

func TestClosedGatewayAnswers503AndRefusesReloads(t *testing.T) {
	g := newTestGateway(t, t.TempDir())
	if err := g.AddPlugin("/echo", echoPlugin, ""); err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(g)
	defer s.Close()
	g.Close()
	g.Close() // idempotent
	if a := send(t, "POST", s.URL+"/echo", "late"); a.status != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %+v", a)
	}
	if _, err := g.Reload("/echo", ""); err == nil || !strings.Contains(err.Error(), "the gateway is closed") {
		t.Fatalf("reload after Close: %v", err)
	}
	if mapped := MappedFiles(g.dir); len(mapped) != 0 {
		t.Fatalf("after Close: mapped %v", mapped)
	}
}

func TestRoutesTheMuxWouldRejectAreRefused(t *testing.T) {
	g, _ := server(t)
	for _, path := range []string{"", "echo", "/", "/a//b", "/a/", "/{x}", "/a b", "POST /x", "/admin", "/admin/x", "/native-echo", "/echo"} {
		if err := g.AddPlugin(path, echoPlugin, ""); err == nil {
			t.Errorf("AddPlugin(%q) was accepted", path)
		}
		if err := g.AddGoPlugin(path, goEchoPlugin); err == nil {
			t.Errorf("AddGoPlugin(%q) was accepted", path)
		}
	}
	if err := g.AddPlugin("/v1/echo-2.x", echoPlugin, ""); err != nil {
		t.Fatal(err)
	}
}

func TestValidHeader(t *testing.T) {
	for _, c := range []struct {
		name, value string
		valid       bool
	}{{"X-Ok", "fine value", true}, {"", "x", false}, {"Bad Name", "x", false}, {"X", "a\r\nInjected: 1", false}, {"X", "nul\x00", false}} {
		if validHeader(c.name, c.value) != c.valid {
			t.Errorf("validHeader(%q, %q) != %v", c.name, c.value, c.valid)
		}
	}
}

func waitFor(t *testing.T, what string, condition func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !condition() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLargeBodiesComeBackWhole: a response larger than the pooled buffer comes back through C
// memory (gw_serve's spill), byte for byte.
func TestLargeBodiesComeBackWhole(t *testing.T) {
	_, s := server(t)
	for _, size := range []int{0, exchangeOut - 200, exchangeOut, 5 * exchangeOut} {
		body := strings.Repeat("0123456789abcdef", size/16+1)[:size]
		if a := send(t, "POST", s.URL+"/echo", body); a.status != 200 || a.body != body {
			t.Errorf("a %d-byte echo: status %d, %d bytes back", size, a.status, len(a.body))
		}
	}
}

// TestUnusableServedResponsesAreRefused: what a 1.1 plugin returns is checked before anything is
// sent (a C plugin has no SDK to check it).
func TestUnusableServedResponsesAreRefused(t *testing.T) {
	encode := func(status int64, body string, headers ...string) []byte {
		var out []byte
		for _, word := range []uint64{uint64(status), uint64(len(headers) / 2), uint64(len(body))} {
			out = binary.NativeEndian.AppendUint64(out, word)
		}
		for _, h := range headers {
			out = binary.NativeEndian.AppendUint64(out, uint64(len(h)))
		}
		for _, h := range headers {
			out = append(out, h...)
		}
		return append(out, body...)
	}
	good := encode(201, "made", "Content-Type", "text/plain", "X-Twice", "1", "X-Twice", "2")
	w := httptest.NewRecorder()
	if err := writeResponse(w, good, binary.NativeEndian); err != nil || w.Code != 201 || w.Body.String() != "made" ||
		w.Header().Get("Content-Type") != "text/plain" || len(w.Header().Values("X-Twice")) != 2 {
		t.Fatalf("a good response: %v, %d %q %v", err, w.Code, w.Body, w.Header())
	}
	for name, out := range map[string][]byte{
		"status 99":        encode(99, ""),
		"status 1000":      encode(1000, ""),
		"a CR LF in value": encode(200, "", "X-Ok", "fine", "X-Bad", "a\r\nX-Injected: 1"),
		"an empty name":    encode(200, "", "", "x"),
		"too short":        good[:20],
		"lengths too long": good[:len(good)-1],
		"too many headers": append(encode(200, "")[:8], binary.NativeEndian.AppendUint64(nil, 1<<40)...),
		// A hostile plugin's lengths that wrap around to the right total (a panic, before).
		"lengths that wrap": wrapping(encode(200, "ab", "X-A", "1")),
	} {
		w := httptest.NewRecorder()
		if err := writeResponse(w, out, binary.NativeEndian); !errors.Is(err, errBadResponse) || len(w.Header()) != 0 || w.Body.Len() != 0 {
			t.Errorf("%s: %v, headers %v, body %q sent", name, err, w.Header(), w.Body)
		}
	}
}

// wrapping rewrites the one header's name and value lengths of out (a response of one header)
// so that they wrap around to the same sum: 2^64-1 + (name+value+1).
func wrapping(out []byte) []byte {
	out = append([]byte{}, out...)
	name, value := binary.NativeEndian.Uint64(out[24:]), binary.NativeEndian.Uint64(out[32:])
	binary.NativeEndian.PutUint64(out[24:], ^uint64(0))
	binary.NativeEndian.PutUint64(out[32:], name+value+1)
	return out
}
