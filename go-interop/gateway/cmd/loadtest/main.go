// Command loadtest drives the gateway over loopback and measures it, in two phases:
//
//  1. Compare: the same echo request against the native Go handler (/native-echo), the Go plugin
//     (/go-echo, the seeds' way), the Rust plugin through cgo (/echo) and in the Wasm sandbox
//     (/wasm-echo) and out of process (/process-echo), in interleaved rounds,
//     with requests per second and latency percentiles for each.
//  2. Reload: the Rust plugin under the same load while it is hot-reloaded -reloads times; every
//     answer is checked, and the gateway's resident memory and mapped plugin files are sampled
//     after each reload.
//
// It starts the gateway itself (-gateway BINARY), writes loadtest.json and loadtest.md into -out,
// and exits 1 when a request failed or a plugin file stayed mapped.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	Gateway     string        `json:"-"`
	EchoPlugin  string        `json:"echo_plugin"`
	EchoWasm    string        `json:"echo_wasm"`
	GoPlugin    string        `json:"go_plugin"`
	Rounds      int           `json:"rounds"`
	RoundTime   time.Duration `json:"round_time_ns"`
	Concurrency int           `json:"concurrency"`
	BodyBytes   int           `json:"body_bytes"`
	Reloads     int           `json:"reloads"`
	ReloadEvery time.Duration `json:"reload_every_ns"`
	GatewayCPU  string        `json:"gateway_cpu"`
	ClientCPU   string        `json:"client_cpu"`
}

// Latency percentiles in microseconds.
type latency struct {
	P50 float64 `json:"p50_us"`
	P90 float64 `json:"p90_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
}

type handlerResult struct {
	Handler   string    `json:"handler"`
	Route     string    `json:"route"`
	RoundRPS  []float64 `json:"round_rps"`
	MedianRPS float64   `json:"median_rps"`
	Requests  int64     `json:"requests"`
	Failures  int64     `json:"failures"`
	Latency   latency   `json:"latency"`
}

type sample struct {
	AfterReloads int   `json:"after_reloads"`
	RSSKiB       int64 `json:"rss_kib"`
	MappedFiles  int   `json:"mapped_plugin_files"`
}

type reloadResult struct {
	Reloads         int      `json:"reloads"`
	FailedReloads   int      `json:"failed_reloads"`
	Requests        int64    `json:"requests"`
	Failures        int64    `json:"failures"`
	RPS             float64  `json:"rps"`
	Latency         latency  `json:"latency"`
	Samples         []sample `json:"samples"`
	MappedAtEnd     int      `json:"mapped_plugin_files_at_end"`
	RSSGrowthKiB    int64    `json:"rss_growth_kib"`
	FirstFailure    string   `json:"first_failure,omitempty"`
	ReloadErrorText string   `json:"reload_error,omitempty"`
}

type report struct {
	Machine  map[string]string `json:"machine"`
	Config   config            `json:"config"`
	Handlers []handlerResult   `json:"handlers"`
	Reload   reloadResult      `json:"reload"`
}

func main() {
	var c config
	out := flag.String("out", "results/gateway", "directory for loadtest.json and loadtest.md")
	flag.StringVar(&c.Gateway, "gateway", "go-interop/build/gateway", "the gateway binary (go build ./cmd/gateway)")
	flag.StringVar(&c.EchoPlugin, "echo", "target/release/libecho_plugin.so", "the Rust echo plugin")
	flag.StringVar(&c.EchoWasm, "echo-wasm", "target/wasm32-unknown-unknown/release/echo_plugin.wasm", "the Rust echo plugin built for Wasm")
	flag.StringVar(&c.GoPlugin, "goplugin", "go-interop/build/goechoplugin.so", "the Go echo plugin")
	flag.IntVar(&c.Rounds, "rounds", 5, "interleaved rounds per handler in the comparison")
	flag.DurationVar(&c.RoundTime, "round", time.Second, "length of one handler's round")
	flag.IntVar(&c.Concurrency, "c", 8, "concurrent keep-alive connections")
	flag.IntVar(&c.BodyBytes, "body", 64, "request body size in bytes")
	flag.IntVar(&c.Reloads, "reloads", 60, "hot reloads during the reload phase (at least 50 for the record)")
	flag.DurationVar(&c.ReloadEvery, "reload-every", 50*time.Millisecond, "pause between reloads")
	flag.StringVar(&c.GatewayCPU, "gateway-cpu", "", "CPU list to pin the gateway to with taskset (empty: no pinning)")
	flag.StringVar(&c.ClientCPU, "client-cpu", "", "CPU list this process was pinned to (recorded only)")
	flag.Parse()
	logger := log.New(os.Stderr, "loadtest: ", 0)
	r, err := run(c, logger)
	if r != nil {
		if werr := write(*out, r); werr != nil {
			logger.Print(werr)
			os.Exit(1)
		}
		logger.Printf("wrote %s/loadtest.json and loadtest.md", *out)
	}
	if err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func run(c config, logger *log.Logger) (*report, error) {
	gw, err := startGateway(c, logger)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Concurrency, MaxConnsPerHost: c.Concurrency}}
	body := bytes.Repeat([]byte("x"), c.BodyBytes)
	r := &report{Machine: machine(), Config: c}

	handlers := []handlerResult{
		{Handler: "Go native handler", Route: "/native-echo"},
		{Handler: "Go plugin (plugin.Open)", Route: "/go-echo"},
		{Handler: "Rust plugin (cgo)", Route: "/echo"},
		{Handler: "Rust plugin (Wasm, wazero)", Route: "/wasm-echo"},
		{Handler: "Rust plugin (out of process)", Route: "/process-echo"},
	}
	latencies := make([][]time.Duration, len(handlers))
	logger.Printf("phase 1: %d interleaved rounds of %v per handler, %d connections, %d-byte bodies",
		c.Rounds, c.RoundTime, c.Concurrency, c.BodyBytes)
	for i := range handlers { // warm-up, not recorded
		load(client, gw.url+handlers[i].Route, body, c.Concurrency, c.RoundTime/4, nil)
	}
	for round := 0; round < c.Rounds; round++ {
		for i := range handlers {
			l := load(client, gw.url+handlers[i].Route, body, c.Concurrency, c.RoundTime, nil)
			h := &handlers[i]
			h.RoundRPS = append(h.RoundRPS, l.rps())
			h.Requests += l.requests
			h.Failures += l.failures
			latencies[i] = append(latencies[i], l.latencies...)
			logger.Printf("round %d/%d %-24s %8.0f req/s, p50 %6.1f us", round+1, c.Rounds, h.Handler, l.rps(), summarize(l.latencies).P50)
		}
	}
	for i := range handlers {
		handlers[i].MedianRPS = median(handlers[i].RoundRPS)
		handlers[i].Latency = summarize(latencies[i])
	}
	r.Handlers = handlers

	logger.Printf("phase 2: %d hot reloads of /echo under the same load", c.Reloads)
	r.Reload = reloadPhase(c, gw, client, body, logger)
	var problems []string
	for _, h := range handlers {
		if h.Failures != 0 {
			problems = append(problems, fmt.Sprintf("%s: %d failed requests", h.Handler, h.Failures))
		}
	}
	if r.Reload.Failures != 0 {
		problems = append(problems, fmt.Sprintf("reload phase: %d failed requests (first: %s)", r.Reload.Failures, r.Reload.FirstFailure))
	}
	if r.Reload.FailedReloads != 0 {
		problems = append(problems, fmt.Sprintf("reload phase: %d refused reloads (%s)", r.Reload.FailedReloads, r.Reload.ReloadErrorText))
	}
	if r.Reload.MappedAtEnd != 1 {
		problems = append(problems, fmt.Sprintf("reload phase: %d plugin files mapped at the end, want 1", r.Reload.MappedAtEnd))
	}
	if len(problems) != 0 {
		return r, errors.New(strings.Join(problems, "; "))
	}
	return r, nil
}

type loadResult struct {
	requests, failures int64
	elapsed            time.Duration
	latencies          []time.Duration
	firstFailure       string
}

func (l loadResult) rps() float64 { return float64(l.requests) / l.elapsed.Seconds() }

// load sends POSTs of body to url from `connections` goroutines for d (or until stop closes, when
// d is 0), checking that each answer is 200 with body echoed back.
func load(client *http.Client, url string, body []byte, connections int, d time.Duration, stop <-chan struct{}) loadResult {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var result loadResult
	var done atomic.Bool
	start := time.Now()
	if d > 0 {
		timer := time.AfterFunc(d, func() { done.Store(true) })
		defer timer.Stop()
	} else {
		go func() { <-stop; done.Store(true) }()
	}
	for w := 0; w < connections; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var own []time.Duration
			var failures int64
			var first string
			for !done.Load() {
				t := time.Now()
				err := echo(client, url, body)
				own = append(own, time.Since(t))
				if err != nil {
					failures++
					if first == "" {
						first = err.Error()
					}
				}
			}
			mu.Lock()
			result.latencies = append(result.latencies, own...)
			result.requests += int64(len(own))
			result.failures += failures
			if result.firstFailure == "" {
				result.firstFailure = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	result.elapsed = time.Since(start)
	return result
}

func echo(client *http.Client, url string, body []byte) error {
	resp, err := client.Post(url, "text/plain", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		return fmt.Errorf("%s: %d %.200q", url, resp.StatusCode, got)
	}
	return nil
}

func reloadPhase(c config, gw *gateway, client *http.Client, body []byte, logger *log.Logger) reloadResult {
	var r reloadResult
	stop := make(chan struct{})
	loaded := make(chan loadResult)
	go func() { loaded <- load(client, gw.url+"/echo", body, c.Concurrency, 0, stop) }()
	r.Samples = append(r.Samples, gw.sample(0))
	for i := 1; i <= c.Reloads; i++ {
		time.Sleep(c.ReloadEvery)
		resp, err := gw.reload("/echo")
		if err == nil {
			text, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("%d %s", resp.StatusCode, text)
			}
		}
		if err != nil {
			r.FailedReloads++
			r.ReloadErrorText = err.Error()
			continue
		}
		r.Reloads++
		r.Samples = append(r.Samples, gw.sample(i))
		if i%10 == 0 {
			s := r.Samples[len(r.Samples)-1]
			logger.Printf("%d reloads: RSS %d KiB, %d plugin file(s) mapped", i, s.RSSKiB, s.MappedFiles)
		}
	}
	close(stop)
	l := <-loaded
	r.Requests, r.Failures, r.FirstFailure = l.requests, l.failures, l.firstFailure
	r.RPS = l.rps()
	r.Latency = summarize(l.latencies)
	// The last old generation unloads once its last request is answered: give it a moment.
	deadline := time.Now().Add(5 * time.Second)
	for r.MappedAtEnd = gw.sample(0).MappedFiles; r.MappedAtEnd != 1 && time.Now().Before(deadline); r.MappedAtEnd = gw.sample(0).MappedFiles {
		time.Sleep(20 * time.Millisecond)
	}
	// Growth from the 10th reload (allocator and runtime warmed up) to the last.
	if len(r.Samples) > 11 {
		r.RSSGrowthKiB = r.Samples[len(r.Samples)-1].RSSKiB - r.Samples[10].RSSKiB
	}
	return r
}

// gateway is the gateway process under test.
type gateway struct {
	cmd   *exec.Cmd
	url   string
	pid   int
	admin *http.Client // over the admin socket
	token string
}

// reload asks the gateway to reload route from its file, over the admin socket with the token.
func (g *gateway) reload(route string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, "http://gateway/admin/reload?route="+route, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	return g.admin.Do(req)
}

func startGateway(c config, logger *log.Logger) (*gateway, error) {
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(secret)
	socket := filepath.Join(os.TempDir(), fmt.Sprintf("rp-loadtest-admin-%d.sock", os.Getpid()))
	args := []string{"-listen", "127.0.0.1:0", "-plugin", "/echo=" + c.EchoPlugin, "-plugin", "/wasm-echo=" + c.EchoWasm,
		"-process-plugin", "/process-echo=" + c.EchoPlugin, "-goplugin", "/go-echo=" + c.GoPlugin,
		"-admin", "unix:" + socket}
	name := c.Gateway
	if c.GatewayCPU != "" {
		args = append([]string{"-c", c.GatewayCPU, name}, args...)
		name = "taskset"
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "RP_GATEWAY_ADMIN_TOKEN="+token)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the gateway %s: %w", c.Gateway, err)
	}
	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			line := scanner.Text()
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				ready <- strings.Fields(rest)[0]
			} else if strings.Contains(line, "failed") || strings.Contains(line, "refused") || strings.Contains(line, "cannot") {
				logger.Printf("gateway: %s", line)
			}
		}
		close(ready)
	}()
	select {
	case url, ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			return nil, fmt.Errorf("the gateway exited before listening (%v)", cmd.ProcessState)
		}
		admin := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		}}}
		return &gateway{cmd: cmd, url: url, pid: cmd.Process.Pid, admin: admin, token: token}, nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, errors.New("the gateway did not start listening within 30 s")
	}
}

func (g *gateway) stop() {
	_ = g.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
	}
}

// sample reads the gateway's resident memory and its mapped plugin copies from /proc. With
// taskset in between, the gateway is the child of taskset's exec: the same pid.
func (g *gateway) sample(reloads int) sample {
	s := sample{AfterReloads: reloads}
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", g.pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				s.RSSKiB, _ = strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			}
		}
	}
	if maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", g.pid)); err == nil {
		files := map[string]bool{}
		for _, line := range strings.Split(string(maps), "\n") {
			if fields := strings.Fields(line); len(fields) >= 6 && strings.Contains(fields[5], "/rp-gateway-") {
				files[fields[5]] = true
			}
		}
		s.MappedFiles = len(files)
	}
	return s
}

// summarize sorts latencies in place and returns their percentiles.
func summarize(latencies []time.Duration) latency {
	slices.Sort(latencies)
	return latency{P50: percentile(latencies, 0.50), P90: percentile(latencies, 0.90),
		P99: percentile(latencies, 0.99), Max: percentile(latencies, 1)}
}

// percentile of sorted latencies, in microseconds.
func percentile(latencies []time.Duration, q float64) float64 {
	if len(latencies) == 0 {
		return 0
	}
	i := int(q * float64(len(latencies)-1))
	return float64(latencies[i].Nanoseconds()) / 1000
}

func median(values []float64) float64 {
	sorted := slices.Sorted(slices.Values(values))
	if len(sorted) == 0 {
		return 0
	}
	if len(sorted)%2 == 1 {
		return sorted[len(sorted)/2]
	}
	return (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
}

func machine() map[string]string {
	m := map[string]string{"go": runtime.Version(), "date": time.Now().UTC().Format(time.RFC3339)}
	if cpuinfo, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cpus := 0
		for _, line := range strings.Split(string(cpuinfo), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				m["cpu"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				cpus++
			}
		}
		m["cpus"] = strconv.Itoa(cpus) // all of the machine's, not this process's affinity
	}
	if release, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(release))
	}
	if out, err := exec.Command("rustc", "--version").Output(); err == nil {
		m["rustc"] = strings.TrimSpace(string(out))
	}
	return m
}

func write(dir string, r *report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "loadtest.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "loadtest.md"), []byte(markdown(r)), 0o644)
}

func markdown(r *report) string {
	var b strings.Builder
	c := r.Config
	fmt.Fprintf(&b, "# Gateway load test\n\n%s, %s CPUs, kernel %s, %s, %s. Loopback, %d keep-alive connections, "+
		"%d-byte POST bodies echoed back; gateway pinned to CPU %q, client to %q.\n\n",
		r.Machine["cpu"], r.Machine["cpus"], r.Machine["kernel"], r.Machine["go"], r.Machine["rustc"],
		c.Concurrency, c.BodyBytes, c.GatewayCPU, c.ClientCPU)
	fmt.Fprintf(&b, "## Three handlers, %d interleaved rounds of %v each\n\n", c.Rounds, c.RoundTime)
	b.WriteString("| handler | median req/s | min..max of rounds | vs native | p50 us | p90 us | p99 us | max us | requests | failed |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	native := r.Handlers[0].MedianRPS
	for _, h := range r.Handlers {
		fmt.Fprintf(&b, "| %s `%s` | %.0f | %.0f..%.0f | %.2fx | %.1f | %.1f | %.1f | %.0f | %d | %d |\n",
			h.Handler, h.Route, h.MedianRPS, slices.Min(h.RoundRPS), slices.Max(h.RoundRPS), h.MedianRPS/native,
			h.Latency.P50, h.Latency.P90, h.Latency.P99, h.Latency.Max, h.Requests, h.Failures)
	}
	rl := r.Reload
	first, last := sample{}, sample{}
	if len(rl.Samples) > 0 {
		first, last = rl.Samples[0], rl.Samples[len(rl.Samples)-1]
	}
	maxMapped, maxRSS := 0, int64(0)
	for _, s := range rl.Samples {
		maxMapped, maxRSS = max(maxMapped, s.MappedFiles), max(maxRSS, s.RSSKiB)
	}
	fmt.Fprintf(&b, "\n## Rust plugin hot-reloaded %d times under load\n\n", rl.Reloads)
	fmt.Fprintf(&b, "- requests: %d, failed: %d; refused reloads: %d\n", rl.Requests, rl.Failures, rl.FailedReloads)
	fmt.Fprintf(&b, "- %.0f req/s during reloads; latency p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.0f us\n",
		rl.RPS, rl.Latency.P50, rl.Latency.P90, rl.Latency.P99, rl.Latency.Max)
	fmt.Fprintf(&b, "- gateway RSS: %d KiB before the first reload, %d KiB after the last, at most %d KiB; "+
		"growth from the 10th reload to the last: %d KiB\n", first.RSSKiB, last.RSSKiB, maxRSS, rl.RSSGrowthKiB)
	fmt.Fprintf(&b, "- plugin files mapped: %d before, at most %d during (an old generation finishing its requests), %d at the end\n",
		first.MappedFiles, maxMapped, rl.MappedAtEnd)
	return b.String()
}
