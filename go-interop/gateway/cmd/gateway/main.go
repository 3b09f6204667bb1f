// Command gateway serves HTTP plugins: Rust ones (hot-reloadable), Go ones (the seeds' way), and
// a native Go echo at /native-echo.
//
//	gateway -plugin /echo=target/release/libecho_plugin.so [-config /echo=TEXT] \
//	        [-goplugin /go-echo=go-interop/build/goechoplugin.so] [-listen 127.0.0.1:8080]
//
// Reload a Rust plugin while it serves: `curl -X POST 'localhost:8080/admin/reload?route=/echo'`
// (from its file again, e.g. after a rebuild) or `...&path=/other/plugin.so`; `kill -HUP PID`
// reloads every Rust plugin from its file. `curl localhost:8080/admin/status` shows the loaded
// generations, their requests in flight, and the plugin files mapped in the process.
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
	"strings"
	"syscall"
	"time"

	"rustplugin/go-interop/gateway"
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

func main() {
	var plugins, goPlugins, configs routeFlag
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on (the admin endpoints have no authentication: keep it on loopback)")
	flag.Var(&plugins, "plugin", "ROUTE=FILE.so: serve the Rust HTTP plugin FILE.so at ROUTE (repeatable)")
	flag.Var(&configs, "config", "ROUTE=TEXT: the configuration string init receives for ROUTE's Rust plugin")
	flag.Var(&goPlugins, "goplugin", "ROUTE=FILE.so: serve the Go plugin FILE.so (built with -buildmode=plugin) at ROUTE (repeatable)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gateway -plugin ROUTE=FILE.so ... [flags]\n\n"+
			"Reload: POST /admin/reload?route=ROUTE[&path=FILE.so], or SIGHUP for every Rust plugin.\n"+
			"Status: GET /admin/status. Native Go echo: /native-echo.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "gateway: ", log.LstdFlags|log.Lmicroseconds)
	if err := run(*listen, plugins.entries, configs.entries, goPlugins.entries, logger); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func run(listen string, plugins, configs, goPlugins [][2]string, logger *log.Logger) error {
	g, err := gateway.New("", logger)
	if err != nil {
		return err
	}
	// After the server has shut down: every plugin is unloaded once its last request finishes.
	defer g.Close()
	served := map[string]bool{}
	for _, entry := range plugins {
		served[entry[0]] = true
	}
	config := map[string]string{}
	for _, entry := range configs {
		if !served[entry[0]] {
			return fmt.Errorf("-config %s: no -plugin serves that route", entry[0])
		}
		config[entry[0]] = entry[1]
	}
	for _, entry := range plugins {
		if err := g.AddPlugin(entry[0], entry[1], config[entry[0]]); err != nil {
			return fmt.Errorf("-plugin %s=%s: %w", entry[0], entry[1], err)
		}
	}
	for _, entry := range goPlugins {
		if err := g.AddGoPlugin(entry[0], entry[1]); err != nil {
			return fmt.Errorf("-goplugin %s=%s: %w", entry[0], entry[1], err)
		}
	}
	listener, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	g.ReloadOnSIGHUP(stop)
	server := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- server.Serve(listener) }()
	logger.Printf("listening on http://%s (pid %d)", listener.Addr(), os.Getpid())

	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt, syscall.SIGTERM)
	select {
	case err = <-done:
	case sig := <-interrupt:
		logger.Printf("%v: shutting down", sig)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = server.Shutdown(ctx)
		cancel()
	}
	close(stop)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
