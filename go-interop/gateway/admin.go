package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

// adminReload: POST /admin/reload?route=/echo[&path=/new/plugin.so]. 200 with the new generation
// as JSON; 404 for an unknown route; 422 with the reason when the new plugin is refused (the
// current one keeps serving); 405 for another method.
func (g *Gateway) adminReload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST /admin/reload?route=ROUTE[&path=FILE.so]", http.StatusMethodNotAllowed)
		return
	}
	gen, err := g.Reload(r.URL.Query().Get("route"), r.URL.Query().Get("path"))
	var refused *ReloadError
	switch {
	case errors.As(err, &refused) && refused.NotFound:
		http.Error(w, err.Error(), http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	default:
		writeJSON(w, gen)
	}
}

// adminStatus: GET /admin/status, the gateway's Status as JSON.
func (g *Gateway) adminStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, g.Status())
}

func writeJSON(w http.ResponseWriter, value any) {
	w.Header().Set("Content-Type", "application/json")
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	_ = encoder.Encode(value)
}

// ReloadOnSIGHUP reloads every Rust route from its source file on each SIGHUP, until stop is
// closed. Refusals are logged; the current plugins keep serving.
func (g *Gateway) ReloadOnSIGHUP(stop <-chan struct{}) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP)
	go func() {
		defer signal.Stop(signals)
		for {
			select {
			case <-signals:
				g.logger.Printf("SIGHUP: reloading every Rust plugin")
				if err := g.ReloadAll(); err != nil {
					g.logger.Printf("SIGHUP: %v", err)
				}
			case <-stop:
				return
			}
		}
	}()
}
