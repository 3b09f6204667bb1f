package gateway

// The hostile-input suite: the real gateway binary, started on loopback, attacked the ways a
// hostile client or file would, each attack bounded in count and time. It asserts that the gateway
// stays up, answers the right status, runs no code of a refused file, and keeps its threads,
// memory, open files and disk bounded.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce   sync.Once
	builtBinary string
	buildErr    error
)

// gatewayBinary builds cmd/gateway once per test run.
func gatewayBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rp-hostile-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBinary = filepath.Join(dir, "gateway")
		out, err := exec.Command("go", "build", "-o", builtBinary, "./cmd/gateway").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/gateway: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBinary
}

// hostileGateway is a gateway process under attack.
type hostileGateway struct {
	cmd       *exec.Cmd
	url       string
	pluginDir string // the only plugin directory; holds a copy of the echo plugin
	tmp       string // the gateway's TMPDIR: its private copies live here
	admin     *http.Client
	log       *strings.Builder
	logMu     *sync.Mutex
	exited    chan struct{}
}

const hostileToken = "hostile-test-token-0123456789abcdef"

// startHostile starts the gateway serving /echo (the echo plugin, copied into a plugin directory
// of its own) with the given extra flags, an admin socket and a marker path for fake plugins.
func startHostile(t *testing.T, marker string, flags ...string) *hostileGateway {
	t.Helper()
	h := &hostileGateway{pluginDir: t.TempDir(), tmp: t.TempDir(), log: &strings.Builder{}, logMu: &sync.Mutex{},
		exited: make(chan struct{})}
	plugin := filepath.Join(h.pluginDir, "libecho_plugin.so")
	copyForTest(t, echoPlugin, plugin)
	socket := filepath.Join(t.TempDir(), "admin.sock")
	args := append([]string{"-listen", "127.0.0.1:0", "-plugin", "/echo=" + plugin, "-admin", "unix:" + socket}, flags...)
	h.cmd = exec.Command(gatewayBinary(t), args...)
	h.cmd.Env = append(os.Environ(), "RP_GATEWAY_ADMIN_TOKEN="+hostileToken, "TMPDIR="+h.tmp,
		"RP_FAKE_PLUGIN_MARKER="+marker)
	stderr, err := h.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stderr)
		var url string
		for scanner.Scan() {
			h.logMu.Lock()
			h.log.WriteString(scanner.Text() + "\n")
			h.logMu.Unlock()
			if _, rest, ok := strings.Cut(scanner.Text(), "listening on "); ok {
				url = strings.Fields(rest)[0]
			} else if strings.Contains(scanner.Text(), "admin on ") {
				ready <- url // both listeners are open
			}
		}
		_ = h.cmd.Wait()
		close(h.exited)
	}()
	select {
	case h.url = <-ready:
	case <-h.exited:
		t.Fatalf("the gateway exited at start:\n%s", h.logText())
	case <-time.After(30 * time.Second):
		t.Fatal("the gateway did not start within 30 s")
	}
	h.admin = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		}}}
	t.Cleanup(func() {
		_ = h.cmd.Process.Kill()
		<-h.exited
	})
	return h
}

func (h *hostileGateway) logText() string {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return h.log.String()
}

func copyForTest(t *testing.T, source, target string) {
	t.Helper()
	data, err := os.ReadFile(source)
	if err != nil {
		t.Fatalf("%v (run `make build` first)", err)
	}
	if err := os.WriteFile(target, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// adminDo sends an admin request over the socket with the given headers.
func (h *hostileGateway) adminDo(t *testing.T, method, path string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, "http://gateway"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.admin.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(body)}
}

func (h *hostileGateway) reload(t *testing.T, path string) answer {
	t.Helper()
	return h.adminDo(t, "POST", "/admin/reload?route=/echo&path="+path, "Authorization", "Bearer "+hostileToken)
}

// proc reads a field of /proc/PID/status (Threads, VmRSS in kB).
func (h *hostileGateway) proc(t *testing.T, field string) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", h.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	t.Fatalf("no %s in /proc/PID/status", field)
	return 0
}

func (h *hostileGateway) openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", h.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// diskBytes is what the gateway's private directories hold.
func (h *hostileGateway) diskBytes(t *testing.T) int64 {
	t.Helper()
	var total int64
	_ = filepath.Walk(h.tmp, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			total += info.Size()
		}
		return nil
	})
	return total
}

func (h *hostileGateway) alive(t *testing.T) {
	t.Helper()
	select {
	case <-h.exited:
		t.Fatalf("the gateway died:\n%s", h.logText())
	default:
	}
	if a := send(t, "POST", h.url+"/echo", "still here"); a.status != 200 || a.body != "still here" {
		t.Fatalf("the gateway no longer serves /echo: %+v", a)
	}
}

func TestHostileAdminRequests(t *testing.T) {
	h := startHostile(t, filepath.Join(t.TempDir(), "marker"))
	// The plugin listener has no admin path.
	for _, path := range []string{"/admin/reload?route=/echo", "/admin/status", "/admin/"} {
		for _, method := range []string{"GET", "POST"} {
			if a := send(t, method, h.url+path, ""); a.status != http.StatusNotFound {
				t.Errorf("%s %s on the plugin listener: %d %q", method, path, a.status, a.body)
			}
		}
	}
	socket := strings.TrimPrefix(h.cmd.Args[slicesIndex(h.cmd.Args, "-admin")+1], "unix:")
	if info, err := os.Stat(socket); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("admin socket %s: %v, mode %v, want 0600", socket, err, info.Mode().Perm())
	}
	cases := []struct {
		name    string
		headers []string
		status  int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer " + strings.Repeat("x", len(hostileToken))}, http.StatusUnauthorized},
		{"token as a query", nil, http.StatusUnauthorized},
		{"a browser's cross-site text/plain POST", []string{"Authorization", "Bearer " + hostileToken,
			"Origin", "http://evil.example", "Content-Type", "text/plain"}, http.StatusForbidden},
		{"a browser's fetch metadata", []string{"Authorization", "Bearer " + hostileToken, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	}
	for _, c := range cases {
		if a := h.adminDo(t, "POST", "/admin/reload?route=/echo&token="+hostileToken, c.headers...); a.status != c.status {
			t.Errorf("%s: %d %q, want %d", c.name, a.status, a.body, c.status)
		}
	}
	if a := h.adminDo(t, "GET", "/admin/status", "Authorization", "Bearer "+hostileToken); a.status != 200 || !strings.Contains(a.body, `"generations"`) {
		t.Errorf("status with the token: %+v", a)
	}
	if a := h.reload(t, ""); a.status != 200 {
		t.Errorf("reload with the token: %+v", a)
	}
	h.alive(t)
}

func slicesIndex(list []string, value string) int {
	for i, v := range list {
		if v == value {
			return i
		}
	}
	return -1
}

func TestHostileReloadFiles(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "constructor-ran")
	h := startHostile(t, marker, "-max-plugin-bytes", "50000000")
	outside := filepath.Join(t.TempDir(), "libecho_plugin.so")
	copyForTest(t, echoPlugin, outside)
	if err := os.Symlink(outside, filepath.Join(h.pluginDir, "escape.so")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(h.pluginDir, "plugin.fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	huge, err := os.Create(filepath.Join(h.pluginDir, "huge.so"))
	if err != nil || huge.Truncate(60_000_000) != nil {
		t.Fatal(err)
	}
	huge.Close()
	copyForTest(t, notAPlugin, filepath.Join(h.pluginDir, "libnot-a-plugin.so"))
	if err := os.Symlink("/dev/zero", filepath.Join(h.pluginDir, "zero.so")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(h.pluginDir, "dir.so"), 0o700); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ path, want string }{
		{"/etc/passwd", "outside the plugin directories"},
		{outside, "outside the plugin directories"},
		{h.pluginDir + "/../../../etc/passwd", "outside the plugin directories"},
		{filepath.Join(h.pluginDir, "escape.so"), "outside the plugin directories"},
		{"/dev/zero", "outside the plugin directories"},
		{filepath.Join(h.pluginDir, "zero.so"), "outside the plugin directories"},
		{filepath.Join(h.pluginDir, "plugin.fifo"), "RP_NOT_A_FILE"},
		{h.pluginDir, "outside the plugin directories"},
		{filepath.Join(h.pluginDir, "dir.so"), "RP_NOT_A_FILE"},
		{filepath.Join(h.pluginDir, "huge.so"), "RP_TOO_LARGE"},
		{filepath.Join(h.pluginDir, "libnot-a-plugin.so"), "it does not export rp_http_plugin_get_descriptor"},
	} {
		start := time.Now()
		a := h.reload(t, c.path)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, c.want) {
			t.Errorf("reload from %s: %d %q, want 422 with %q", c.path, a.status, a.body, c.want)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("reload from %s took %v", c.path, elapsed)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a refused library's constructor ran in the gateway")
	}
	if disk := h.diskBytes(t); disk > 20<<20 {
		t.Errorf("the gateway's private directory holds %d bytes after the refusals", disk)
	}
	h.alive(t)
}

func TestHostileFloodsAndSlowClients(t *testing.T) {
	const limit = 16
	h := startHostile(t, filepath.Join(t.TempDir(), "marker"), "-max-inflight", strconv.Itoa(limit),
		"-read-timeout", "2s", "-max-body-bytes", "1048576")
	baseThreads, baseRSS, baseFiles := h.proc(t, "Threads"), h.proc(t, "VmRSS"), h.openFiles(t)

	// A flood of slow requests: at most `limit` reach the plugin, the others get 503 at once.
	const flood = 600
	statuses := make(chan answer, flood)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: flood, MaxIdleConnsPerHost: flood}}
	var wg sync.WaitGroup
	for range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", h.url+"/echo", strings.NewReader("flood"))
			req.Header.Set("X-Echo-Delay-Ms", "2000")
			resp, err := client.Do(req)
			if err != nil {
				statuses <- answer{status: -1, body: err.Error()}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			statuses <- answer{resp.StatusCode, resp.Header, string(body)}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	peakThreads := h.proc(t, "Threads")
	// The other routes serve during the flood.
	start := time.Now()
	if a := send(t, "POST", h.url+"/native-echo", "other route"); a.status != 200 || time.Since(start) > 2*time.Second {
		t.Errorf("/native-echo during the flood: %d after %v", a.status, time.Since(start))
	}
	wg.Wait()
	close(statuses)
	client.CloseIdleConnections() // the flood's keep-alive connections (-max-conns bounds them)
	counts := map[int]int{}
	for a := range statuses {
		counts[a.status]++
		if a.status == http.StatusServiceUnavailable && a.header.Get("Retry-After") == "" {
			t.Error("a 503 without Retry-After")
		}
		if a.status != 200 && a.status != http.StatusServiceUnavailable {
			t.Errorf("flood answer %d %q", a.status, a.body)
		}
	}
	if counts[200] < limit || counts[200]+counts[http.StatusServiceUnavailable] != flood {
		t.Errorf("flood of %d: %v", flood, counts)
	}
	if peakThreads > baseThreads+limit+24 {
		t.Errorf("threads: %d at the start, %d in the flood (limit %d in flight)", baseThreads, peakThreads, limit)
	}
	t.Logf("flood of %d slow requests: %v; threads %d -> %d", flood, counts, baseThreads, peakThreads)

	// Slow bodies: one byte a second; the server gives up on each after its read timeout.
	var slow []net.Conn
	for range 40 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\na")
		slow = append(slow, conn)
	}
	deadline := time.Now().Add(8 * time.Second)
	for i, conn := range slow {
		_ = conn.SetDeadline(deadline)
		for {
			if _, err := conn.Write([]byte("b")); err != nil {
				break // closed by the gateway
			}
			buf := make([]byte, 512)
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			if n, err := conn.Read(buf); n > 0 || (err != nil && !isTimeout(err)) {
				break // answered (408) or closed
			}
			if time.Now().After(deadline) {
				t.Errorf("slow body %d still open after 8 s (read timeout 2 s)", i)
				break
			}
		}
		conn.Close()
	}

	// Bodies: malformed chunked 400, too large 413, two framings (smuggling) 400.
	for _, c := range []struct {
		raw    string
		status string
	}{
		{"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnot hex\r\n0\r\n\r\n", "400"},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"},
		{fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", 2<<20, strings.Repeat("x", 2<<20)), "413"},
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		go func() { _, _ = io.WriteString(conn, c.raw) }()
		line, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if !strings.HasPrefix(line, "HTTP/1.1 "+c.status) {
			t.Errorf("%.60q: %q, want %s", c.raw, line, c.status)
		}
	}

	h.alive(t)
	time.Sleep(500 * time.Millisecond) // closed connections drain
	if rss := h.proc(t, "VmRSS"); rss > baseRSS+200_000 {
		t.Errorf("RSS %d kB at the start, %d kB after the attacks", baseRSS, rss)
	}
	if files := h.openFiles(t); files > baseFiles+limit+8 {
		t.Errorf("open files: %d at the start, %d after the attacks", baseFiles, files)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestHostileSIGTERMWithAStuckPluginCall(t *testing.T) {
	h := startHostile(t, filepath.Join(t.TempDir(), "marker"), "-shutdown-grace", "1s")
	go func() { _, _ = request("POST", h.url+"/echo", "stuck", "X-Echo-Delay-Ms", "10000") }()
	waitFor(t, "the call to reach the plugin", func() bool {
		a := h.adminDo(t, "GET", "/admin/status", "Authorization", "Bearer "+hostileToken)
		return strings.Contains(a.body, `"in_flight": 1`)
	})
	start := time.Now()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.exited:
	case <-time.After(8 * time.Second):
		t.Fatalf("no exit 8 s after SIGTERM with a 1 s grace:\n%s", h.logText())
	}
	if !strings.Contains(h.logText(), "cannot be cancelled") {
		t.Errorf("the log does not say why it exited with a call running:\n%s", h.logText())
	}
	t.Logf("exited %v after SIGTERM with a plugin call stuck (grace 1 s)", time.Since(start).Round(10*time.Millisecond))
}
