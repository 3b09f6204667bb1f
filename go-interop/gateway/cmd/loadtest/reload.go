// The reload phase: the Rust plugin hot-reloaded under load, the gateway sampled after each reload.

package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"time"
)

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
