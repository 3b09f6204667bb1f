// Command gateway serves HTTP plugins: Rust ones (hot-reloadable), Go ones (the seeds' way), and
// a native Go echo at /native-echo.
//
//	gateway -plugin /echo=target/release/libecho_plugin.so [-config /echo=TEXT] \
//	        [-process-plugin /faulty=target/release/libfaulty_plugin.so] \
//	        [-goplugin /go-echo=go-interop/build/goechoplugin.so] [-listen 127.0.0.1:8080] \
//	        [-admin unix:/run/user/1000/rp-gateway.sock] [-plugin-dir DIR ...]
//
// The admin operations (reload, status) are off unless -admin names their own listener, a Unix
// socket (mode 0600) or a loopback TCP port; every admin request needs the token of
// RP_GATEWAY_ADMIN_TOKEN or -admin-token-file:
//
//	curl --unix-socket SOCKET -H "Authorization: Bearer $TOKEN" -X POST 'http://gw/admin/reload?route=/echo'
//
// `kill -HUP PID` reloads every Rust plugin from its file. Plugins load only from the plugin
// directories (-plugin-dir; by default the directories of the -plugin files).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"rustplugin/go-interop/gateway"
	"rustplugin/go-interop/wasmplugin"
)

// routeFlag collects repeated ROUTE=VALUE flags, in order.
type routeFlag struct{ entries [][2]string }

func (f *routeFlag) String() string { return fmt.Sprint(f.entries) }

func (f *routeFlag) Set(value string) error {
	route, target, ok := strings.Cut(value, "=")
	if !ok || !strings.HasPrefix(route, "/") || target == "" {
		return fmt.Errorf("want ROUTE=VALUE with ROUTE starting with /, got %q", value)
	}
	f.entries = append(f.entries, [2]string{route, target})
	return nil
}

// listFlag collects a repeated flag's values.
type listFlag []string

func (f *listFlag) String() string         { return strings.Join(*f, ",") }
func (f *listFlag) Set(value string) error { *f = append(*f, value); return nil }

// settings are the command line, parsed.
type settings struct {
	listen, admin, adminTokenFile          string
	plugins, processPlugins, configs       [][2]string
	goPlugins                              [][2]string
	options                                gateway.Options
	maxConns                               int
	readTimeout, writeTimeout, idleTimeout time.Duration
	shutdownGrace                          time.Duration
}

func main() {
	var s settings
	var plugins, processPlugins, goPlugins, configs routeFlag
	var pluginDirs listFlag
	flag.StringVar(&s.listen, "listen", "127.0.0.1:8080", "address of the plugin routes")
	flag.StringVar(&s.admin, "admin", "", "the admin listener, unix:PATH (a 0600 socket) or tcp:127.0.0.1:PORT; off when empty")
	flag.StringVar(&s.adminTokenFile, "admin-token-file", "", "file holding the admin token (else $RP_GATEWAY_ADMIN_TOKEN); at least 16 bytes")
	flag.Var(&plugins, "plugin", "ROUTE=FILE: serve the Rust HTTP plugin FILE at ROUTE: FILE.so in process, FILE.wasm in the Wasm sandbox (repeatable)")
	flag.Var(&processPlugins, "process-plugin", "ROUTE=FILE.so: serve the Rust HTTP plugin FILE out of process, in its own rp-plugin-server: a crash answers 502 and restarts the server (repeatable)")
	flag.StringVar(&s.options.PluginServer, "plugin-server", "", "the rp-plugin-server executable for -process-plugin (default: the build tree's target/release/rp-plugin-server)")
	flag.DurationVar(&s.options.ProcessTimeout, "process-timeout", gateway.DefaultProcessTimeout, "deadline of a request in a plugin out of process: past it 504, and a server still busy with it 1 s later is killed and restarted")
	flag.Uint64Var(&s.options.ProcessMemoryBytes, "process-memory-bytes", gateway.DefaultProcessMemoryBytes, "address space each plugin server may add beyond its binary and shared memory; past it the server dies and restarts")
	flag.Var(&configs, "config", "ROUTE=TEXT: the configuration string init receives for ROUTE's Rust plugin")
	flag.Var(&goPlugins, "goplugin", "ROUTE=FILE.so: serve the Go plugin FILE.so (built with -buildmode=plugin) at ROUTE (repeatable)")
	flag.Var(&pluginDirs, "plugin-dir", "directory Rust plugins may be loaded and reloaded from (repeatable; default: the directories of the -plugin files)")
	flag.Int64Var(&s.options.MaxPluginBytes, "max-plugin-bytes", gateway.DefaultMaxPluginBytes, "largest plugin file")
	flag.IntVar(&s.options.MaxInFlight, "max-inflight", gateway.DefaultMaxInFlight, "requests inside one route's plugin at once; more get 503 with Retry-After")
	flag.Int64Var(&s.options.MaxBodyBytes, "max-body-bytes", gateway.DefaultMaxBodyBytes, "largest request body; larger get 413")
	flag.DurationVar(&s.options.WasmTimeout, "wasm-timeout", gateway.DefaultWasmTimeout, "deadline of a request in a Wasm plugin: past it the instance is stopped and the request answered 504")
	flag.Uint64Var(&s.options.WasmMemoryBytes, "wasm-memory-bytes", gateway.DefaultWasmMemoryBytes, "memory limit of each Wasm plugin instance; a route's worst case is -max-inflight of them")
	flag.DurationVar(&s.options.WasmCompileTimeout, "wasm-compile-timeout", wasmplugin.DefaultCompileTimeout, "time a Wasm plugin may take to compile (in a child process, stopped past it): a compile bomb is refused")
	flag.DurationVar(&s.options.WasmIdleTimeout, "wasm-idle", gateway.DefaultWasmIdleTimeout, "Wasm instances idle this long are closed and their memory given back, down to one per route")
	flag.IntVar(&s.maxConns, "max-conns", 4096, "open connections of the plugin listener at once; more wait in the kernel's queue")
	flag.DurationVar(&s.readTimeout, "read-timeout", 30*time.Second, "time to read a whole request, body included")
	flag.DurationVar(&s.writeTimeout, "write-timeout", 60*time.Second, "time from the end of the request headers to the end of the response")
	flag.DurationVar(&s.idleTimeout, "idle-timeout", 60*time.Second, "time a keep-alive connection may wait for its next request")
	flag.DurationVar(&s.shutdownGrace, "shutdown-grace", 10*time.Second, "on SIGTERM or SIGINT, time for requests in flight; then the gateway exits even if a plugin call is stuck")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gateway -plugin ROUTE=FILE.so ... [flags]\n\n"+
			"Admin (with -admin and a token): POST /admin/reload?route=ROUTE[&path=FILE.so], GET /admin/status.\n"+
			"SIGHUP reloads every Rust plugin. Native Go echo: /native-echo.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	s.plugins, s.processPlugins, s.configs, s.goPlugins = plugins.entries, processPlugins.entries, configs.entries, goPlugins.entries
	s.options.PluginDirs = pluginDirs
	if len(s.options.PluginDirs) == 0 {
		for _, entry := range append(s.plugins, s.processPlugins...) {
			s.options.PluginDirs = append(s.options.PluginDirs, filepath.Dir(entry[1]))
		}
	}
	logger := log.New(os.Stderr, "gateway: ", log.LstdFlags|log.Lmicroseconds)
	s.options.Logger = logger
	if err := run(s, logger); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func run(s settings, logger *log.Logger) error {
	if len(s.options.PluginDirs) == 0 {
		return errors.New("no plugin directory: give -plugin or -plugin-dir")
	}
	g, err := gateway.New(s.options)
	if err != nil {
		return err
	}
	if err := addRoutes(g, s); err != nil {
		g.Close()
		return err
	}
	servers, err := listen(g, s, logger)
	if err != nil {
		g.Close()
		return err
	}
	stop := make(chan struct{})
	g.ReloadOnSIGHUP(stop)
	defer close(stop)

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, len(servers))
	for _, serve := range servers {
		go func() { done <- serve.run() }()
	}
	select {
	case err = <-done:
		logger.Printf("a listener stopped: %v; shutting down", err)
	case sig := <-signals:
		logger.Printf("%v: shutting down (grace %v; a second signal exits at once)", sig, s.shutdownGrace)
	}
	go func() {
		<-signals
		logger.Print("second signal: exiting now")
		os.Exit(1)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdownGrace)
	defer cancel()
	for _, serve := range servers {
		_ = serve.server.Shutdown(ctx)
	}
	if err := g.Shutdown(ctx); err != nil {
		// In process, a plugin call cannot be interrupted: exiting is the only way to stop it.
		return fmt.Errorf("after %v: %w; exiting anyway (an in-process plugin call cannot be cancelled)", s.shutdownGrace, err)
	}
	return nil
}

func addRoutes(g *gateway.Gateway, s settings) error {
	served := map[string]bool{}
	for _, entry := range append(s.plugins, s.processPlugins...) {
		served[entry[0]] = true
	}
	config := map[string]string{}
	for _, entry := range s.configs {
		if !served[entry[0]] {
			return fmt.Errorf("-config %s: no -plugin serves that route", entry[0])
		}
		config[entry[0]] = entry[1]
	}
	for _, entry := range s.plugins {
		if err := g.AddPlugin(entry[0], entry[1], config[entry[0]]); err != nil {
			return fmt.Errorf("-plugin %s=%s: %w", entry[0], entry[1], err)
		}
	}
	for _, entry := range s.processPlugins {
		if err := g.AddProcessPlugin(entry[0], entry[1], config[entry[0]]); err != nil {
			return fmt.Errorf("-process-plugin %s=%s: %w", entry[0], entry[1], err)
		}
	}
	for _, entry := range s.goPlugins {
		if err := g.AddGoPlugin(entry[0], entry[1]); err != nil {
			return fmt.Errorf("-goplugin %s=%s: %w", entry[0], entry[1], err)
		}
	}
	return nil
}

// served is one HTTP server on its listener.
type served struct {
	server   *http.Server
	listener net.Listener
}

func (s served) run() error { return s.server.Serve(s.listener) }

// listen opens the plugin listener (its connections bounded) and, with -admin, the admin one.
func listen(g *gateway.Gateway, s settings, logger *log.Logger) ([]served, error) {
	listener, err := net.Listen("tcp", s.listen)
	if err != nil {
		return nil, err
	}
	const maxHeaderBytes = 64 << 10
	plugins := served{listener: gateway.RefuseAmbiguousFraming(limitListener(listener, s.maxConns), maxHeaderBytes),
		server: &http.Server{
			Handler:           g,
			ReadHeaderTimeout: min(10*time.Second, s.readTimeout),
			ReadTimeout:       s.readTimeout,
			WriteTimeout:      s.writeTimeout,
			IdleTimeout:       s.idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          logger,
		}}
	logger.Printf("listening on http://%s (pid %d)", listener.Addr(), os.Getpid())
	if s.admin == "" {
		logger.Print("admin: off (give -admin unix:PATH and a token to reload over HTTP; SIGHUP reloads every plugin)")
		return []served{plugins}, nil
	}
	token, err := adminToken(s.adminTokenFile)
	if err == nil {
		var handler http.Handler
		if handler, err = g.AdminHandler(token); err == nil {
			var adminListener net.Listener
			if adminListener, err = gateway.ListenAdmin(s.admin); err == nil {
				logger.Printf("admin on %s", s.admin)
				return []served{plugins, {listener: adminListener, server: &http.Server{
					Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
					WriteTimeout: 5 * time.Minute, IdleTimeout: time.Minute, ErrorLog: logger,
				}}}, nil
			}
		}
	}
	listener.Close()
	return nil, fmt.Errorf("-admin %s: %w", s.admin, err)
}

// adminToken reads the admin token from file, or from $RP_GATEWAY_ADMIN_TOKEN when file is empty.
func adminToken(file string) (string, error) {
	if file == "" {
		if token := os.Getenv("RP_GATEWAY_ADMIN_TOKEN"); token != "" {
			return token, nil
		}
		return "", errors.New("the admin listener needs a token: set RP_GATEWAY_ADMIN_TOKEN or -admin-token-file")
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return strings.TrimSpace(string(text)), nil
}

// limitListener accepts at most n connections at once; the next waits until one closes.
func limitListener(l net.Listener, n int) net.Listener {
	return &limited{Listener: l, slots: make(chan struct{}, n)}
}

type limited struct {
	net.Listener
	slots chan struct{}
}

func (l *limited) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	conn, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: conn, release: func() { <-l.slots }}, nil
}

// slotConn gives its listener slot back when it is closed, once.
type slotConn struct {
	net.Conn
	release func()
	closed  atomic.Bool
}

func (c *slotConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.release()
	}
	return c.Conn.Close()
}
