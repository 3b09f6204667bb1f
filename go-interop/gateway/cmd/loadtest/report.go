// The report: the machine it ran on, loadtest.json and loadtest.md.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	fmt.Fprintf(&b, "## %d handlers, %d interleaved rounds of %v each\n\n", len(r.Handlers), c.Rounds, c.RoundTime)
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
