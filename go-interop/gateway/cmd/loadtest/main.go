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
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
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

type handlerResult struct {
	Handler   string    `json:"handler"`
	Route     string    `json:"route"`
	RoundRPS  []float64 `json:"round_rps"`
	MedianRPS float64   `json:"median_rps"`
	Requests  int64     `json:"requests"`
	Failures  int64     `json:"failures"`
	Latency   latency   `json:"latency"`
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
