// The load: keep-alive connections sending the echo request for a while, each answer checked, and
// the latencies summarized.

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Latency percentiles in microseconds.
type latency struct {
	P50 float64 `json:"p50_us"`
	P90 float64 `json:"p90_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
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
