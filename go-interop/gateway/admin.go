package gateway

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// MinAdminTokenBytes is the shortest admin token AdminHandler accepts.
const MinAdminTokenBytes = 16

// AdminHandler serves the admin operations, POST /admin/reload and GET /admin/status, for a
// listener of their own (ListenAdmin): the plugin routes' handler (ServeHTTP) has none. Every
// request must carry "Authorization: Bearer TOKEN"; a request from a browser (one with an Origin
// or a Sec-Fetch-Site header: a cross-site page, whatever it claims) is refused before the token
// is even looked at, so a page the admin visits cannot drive the gateway.
func (g *Gateway) AdminHandler(token string) (http.Handler, error) {
	if len(token) < MinAdminTokenBytes {
		return nil, fmt.Errorf("the admin token has %d bytes: at least %d are needed", len(token), MinAdminTokenBytes)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/admin/reload", g.adminReload)
	mux.HandleFunc("/admin/status", g.adminStatus)
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
			http.Error(w, "admin requests from a browser are refused", http.StatusForbidden)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rp-gateway admin"`)
			http.Error(w, "missing or wrong admin token", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}), nil
}

// ListenAdmin opens the admin listener at address: "unix:PATH" (a Unix socket created with mode
// 0600, so only the gateway's user can connect; a stale socket file there, one nobody listens on,
// is replaced, and a live one is an error: another gateway serves it), or "tcp:HOST:PORT" with
// HOST a loopback address (any other is refused).
func ListenAdmin(address string) (net.Listener, error) {
	kind, where, _ := strings.Cut(address, ":")
	switch kind {
	case "unix":
		if info, err := os.Lstat(where); err == nil && info.Mode().Type() == os.ModeSocket {
			if conn, err := net.DialTimeout("unix", where, time.Second); err == nil {
				conn.Close()
				return nil, fmt.Errorf("admin address %q: another process listens on it (another gateway?): give another path", address)
			}
			_ = os.Remove(where) // a stale socket of an earlier run
		}
		// The umask makes the socket 0600 from its creation: no window where others may connect.
		old := syscall.Umask(0o177)
		listener, err := net.Listen("unix", where)
		syscall.Umask(old)
		return listener, err
	case "tcp":
		host, _, err := net.SplitHostPort(where)
		if err != nil {
			return nil, fmt.Errorf("admin address %q: %w", address, err)
		}
		if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("admin address %q: the admin listener takes a loopback address only (127.0.0.1, [::1])", address)
		}
		return net.Listen("tcp", where)
	}
	return nil, fmt.Errorf("admin address %q: want unix:PATH or tcp:127.0.0.1:PORT", address)
}

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
