package gateway

import (
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Clients that trickle their bodies hold connections, not the route's in-flight slots: with every
// slot's worth of them connected and silent, the route still serves.
func TestSlowBodiesDoNotTakeTheRoutesSlots(t *testing.T) {
	g, err := New(Options{TempDir: t.TempDir(), PluginDirs: []string{filepath.Dir(echoPlugin)}, MaxInFlight: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AddPlugin("/echo", echoPlugin, ""); err != nil {
		t.Fatalf("%v (run `make build` first)", err)
	}
	s := httptest.NewServer(g)
	t.Cleanup(func() { s.Close(); g.Close() })
	for range 2 * 4 {
		conn, err := net.Dial("tcp", s.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		// Headers, then one byte of a 100-byte body, then silence.
		fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
	}
	time.Sleep(100 * time.Millisecond) // the handlers are waiting for the bodies
	if a := send(t, "POST", s.URL+"/echo", "still served"); a.status != 200 || a.body != "still served" {
		t.Fatalf("with slow senders connected: %+v", a)
	}
}

// A live admin socket is never taken over: a second gateway on the same path gets an error and
// the first keeps its socket; a stale one (nobody listening) is replaced.
func TestALiveAdminSocketIsNeverReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.sock")
	first, err := ListenAdmin("unix:" + path)
	if err != nil {
		t.Fatal(err)
	}
	if second, err := ListenAdmin("unix:" + path); err == nil || !strings.Contains(err.Error(), "another process listens") {
		t.Fatalf("a second listener on a live socket: %v", err)
		second.Close()
	}
	if conn, err := net.Dial("unix", path); err != nil {
		t.Fatalf("the first gateway lost its socket: %v", err)
	} else {
		conn.Close()
	}
	first.(*net.UnixListener).SetUnlinkOnClose(false) // leaves a stale socket file behind
	first.Close()
	again, err := ListenAdmin("unix:" + path)
	if err != nil {
		t.Fatalf("a stale socket: %v", err)
	}
	again.Close()
}

// framedServer serves g behind RefuseAmbiguousFraming, as the gateway command does.
func framedServer(t *testing.T, g *Gateway) string {
	s := httptest.NewUnstartedServer(g)
	s.Listener = RefuseAmbiguousFraming(s.Listener, 64<<10)
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// rawExchange writes raw to a new connection to addr and reads until the gateway closes it.
func rawExchange(t *testing.T, addr, raw string) string {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	answer, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the connection stayed open: %v (%q)", err, answer)
	}
	return string(answer)
}

// A request with both Content-Length and Transfer-Encoding (a smuggling attempt) is refused with
// 400 and its connection closed (RFC 9112 6.1), wherever it stands on its connection; requests
// framed one way pass, pipelined or not.
func TestRequestsWithTwoFramingsAreRefused(t *testing.T) {
	g, _ := server(t)
	addr := framedServer(t, g)
	smuggled := "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"2\r\nhi\r\n0\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
	for name, raw := range map[string]string{
		"first":                  smuggled,
		"after a framed request": "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + smuggled,
		"bare line ends":         strings.ReplaceAll(smuggled, "\r\n", "\n"),
		"another case":           strings.Replace(smuggled, "Transfer-Encoding", "transfer-encoding", 1),
	} {
		answer := rawExchange(t, addr, raw)
		if !strings.HasSuffix(answer, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"+
			"Connection: close\r\n\r\n400 Bad Request") || strings.Contains(answer, "hi") {
			t.Errorf("%s: %q", name, answer)
		}
	}
	// Framed one way: served, pipelined; a chunked request closes its connection after its answer.
	answer := rawExchange(t, addr, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"+
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nde"+
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nfg\r\n0\r\n\r\n"+
		"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
	if strings.Count(answer, "HTTP/1.1 200 OK") != 3 || !strings.Contains(answer, "abc") ||
		!strings.Contains(answer, "de") || !strings.HasSuffix(answer, "fg") {
		t.Errorf("framed requests: %q", answer)
	}
}

// The gateway's out-of-process routes hold against a hostile plugin (rust-plugin/plugins/
// hostile-plugin, served by the real rp-plugin-server): every attack on the gateway, its other
// routes and the way out is blocked, and a plugin that scribbles over the shared region costs at
// most a restart; the other routes serve throughout.
func TestAHostilePluginOutOfProcessReachesNothing(t *testing.T) {
	g, err := New(Options{TempDir: t.TempDir(), PluginDirs: []string{filepath.Dir(hostilePlugin)}, ProcessTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for route, plugin := range map[string]string{"/hostile": hostilePlugin, "/echo": echoPlugin} {
		if err := g.AddProcessPlugin(route, plugin, ""); err != nil {
			t.Fatalf("%v (run `make build` first)", err)
		}
	}
	s := httptest.NewServer(g)
	t.Cleanup(func() { s.Close(); g.Close() })
	for _, attack := range []string{"host-fds", "other-regions", "signal", "fork", "exec", "read-host-memory",
		"keep-running", "raise-limit", "truncate", "grow", "write-file", "connect"} {
		a := send(t, "GET", s.URL+"/hostile", "", "X-Attack", attack)
		if a.status != 200 || !strings.HasPrefix(a.body, "blocked: ") {
			t.Errorf("%s: %d %q", attack, a.status, a.body)
		}
	}
	// The scribbling may overtake the server's own answer to this request: then the gateway
	// reads a lie, kills the server and answers 502.
	if a := send(t, "GET", s.URL+"/hostile", "", "X-Attack", "scribble"); a.status != 200 && a.status != 502 {
		t.Fatalf("scribble: %+v", a)
	}
	start, failed := time.Now(), 0
	for {
		a := send(t, "GET", s.URL+"/hostile", "")
		if a.status == 200 && a.body == "ok" {
			break
		}
		if failed++; time.Since(start) > 10*time.Second {
			t.Fatalf("not served again after the scribbling: %+v", a)
		}
	}
	if a := send(t, "POST", s.URL+"/echo", "untouched"); a.status != 200 || a.body != "untouched" {
		t.Fatalf("the other route: %+v", a)
	}
	t.Logf("after the scribbling: %d requests failed, served again %v later", failed, time.Since(start).Round(time.Millisecond))
}
