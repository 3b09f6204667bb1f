// Package gateway is an HTTP gateway that serves Rust plugins loaded by path, in process
// (include/rp_http_plugin.h: see inprocess.go), in a Wasm sandbox (the same plugins built for
// wasm32, run by wazero: see wasm.go) or out of process (rp-plugin-server, confined, over shared
// memory: see process.go), each behind one small interface (backend: serve, close); and it
// hot-reloads them: a new plugin is loaded, checked and initialised while the current one
// keeps serving, swapped in atomically, and the old one is closed (and dlclose'd, or its server
// stopped) once its last request has finished. It also serves a Go plugin (the seeds' way) and a
// native Go handler, the two baselines of the load test. RefuseAmbiguousFraming guards the plugin
// listener against request smuggling.
//
// Each load dlopens a private copy of the file (in the gateway's own directory): dlopen returns
// the library it already has for a path it has loaded, so reloading "the same path" would
// otherwise give back the old code, and overwriting a mapped .so in place crashes the process.
package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustplugin/go-interop/procplugin"
	"rustplugin/go-interop/wasmplugin"
)

// Defaults of Options.
const (
	// DefaultMaxPluginBytes bounds a plugin file, as the C loader does (RP_LOADER_MAX_LIBRARY_BYTES).
	DefaultMaxPluginBytes = 256 << 20
	// DefaultMaxInFlight bounds the plugin calls one route runs at once. Each in-process call holds
	// an OS thread (a cgo call cannot give it back), so this bounds the gateway's threads too.
	DefaultMaxInFlight = 64
	// DefaultMaxBodyBytes bounds a request body: a larger one is answered 413.
	DefaultMaxBodyBytes = 16 << 20
	// DefaultWasmTimeout bounds a request inside a Wasm plugin: past it the instance is stopped
	// and discarded, and the request answered 504.
	DefaultWasmTimeout = 10 * time.Second
	// DefaultWasmMemoryBytes bounds each Wasm instance's memory: an allocation past it ends the
	// request with 500 and discards the instance.
	DefaultWasmMemoryBytes = 64 << 20
	// DefaultWasmIdleTimeout retires Wasm instances a burst made once they are idle this long.
	DefaultWasmIdleTimeout = 30 * time.Second
	// DefaultProcessTimeout bounds a request in a plugin out of process: past it the request is
	// answered 504, and a server that still has not answered a second later is killed.
	DefaultProcessTimeout = 10 * time.Second
	// DefaultProcessMemoryBytes bounds the address space each plugin server may add beyond its
	// binary and shared memory: an allocation past it kills the server, which is restarted.
	DefaultProcessMemoryBytes = 1 << 30
	// MaxProcessSlots bounds the requests in one plugin server at once (one server thread each);
	// more wait for a slot within their deadline.
	MaxProcessSlots = 16
)

// Options configure a Gateway. A zero field takes its default.
type Options struct {
	// PluginDirs are the directories Rust plugins are loaded from, by AddPlugin and by every
	// reload. A file's path is resolved (symbolic links, "..") before it is checked, so nothing
	// outside them can be named. Required: the code of a plugin runs with the gateway's rights,
	// so these directories must be trusted.
	PluginDirs []string
	// TempDir is where the gateway makes its private directory of plugin copies (os.TempDir()).
	TempDir string
	// MaxPluginBytes bounds a plugin file (DefaultMaxPluginBytes); a larger one is refused.
	MaxPluginBytes int64
	// MaxInFlight bounds, per route, the requests inside a plugin at once (DefaultMaxInFlight);
	// more are answered 503 with Retry-After.
	MaxInFlight int
	// MaxBodyBytes bounds a request body (DefaultMaxBodyBytes); a larger one is answered 413.
	MaxBodyBytes int64
	// WasmTimeout bounds a request in a Wasm plugin (DefaultWasmTimeout).
	WasmTimeout time.Duration
	// WasmMemoryBytes bounds the memory of each Wasm instance (DefaultWasmMemoryBytes). A route
	// runs up to MaxInFlight instances, made as requests need them: its worst case is MaxInFlight
	// x WasmMemoryBytes (tables add at most an eighth of that), for as long as a burst keeps them
	// busy and WasmIdleTimeout after.
	WasmMemoryBytes uint64
	// WasmIdleTimeout retires a route's Wasm instances idle for longer, down to one
	// (DefaultWasmIdleTimeout).
	WasmIdleTimeout time.Duration
	// WasmCompileTimeout bounds the compilation of a Wasm plugin, checked in a child process that
	// is stopped at it (wasmplugin.DefaultCompileTimeout).
	WasmCompileTimeout time.Duration
	// PluginServer is the rp-plugin-server executable that serves plugins out of process
	// (procplugin.DefaultServer(): the build tree's).
	PluginServer string
	// ProcessTimeout bounds a request in a plugin out of process (DefaultProcessTimeout).
	ProcessTimeout time.Duration
	// ProcessMemoryBytes bounds each plugin server's address space (DefaultProcessMemoryBytes).
	ProcessMemoryBytes uint64
	// Logger receives every load, swap, refusal and unload (discarded when nil).
	Logger *log.Logger
}

// Gateway routes requests to plugins and reloads them. Create it with New.
type Gateway struct {
	mux     *http.ServeMux
	dir     string   // private copies of the loaded .so files
	sources []string // Options.PluginDirs, resolved
	options Options
	logger  *log.Logger

	mu             sync.Mutex // guards the fields below; never held during file I/O or a plugin call
	routes         map[string]*route
	goRoutes       map[string]*GoPlugin
	live           map[uint64]*generation // loaded, not yet unloaded
	lastGeneration uint64
	reloads        int
	failedReloads  int
	closed         bool
}

// route is one URL path served by a Rust plugin.
type route struct {
	path   string
	source string // the .so file reloads read, unless told another; guarded by Gateway.mu
	config string
	// outOfProcess: every generation is served by its own rp-plugin-server.
	outOfProcess bool
	current      atomic.Pointer[generation]
}

// A backend is one way of serving a generation's plugin: in process (inprocess.go), in a Wasm
// module (wasm.go) or in a plugin server of its own (process.go).
type backend interface {
	// serve answers one request, a failure included (500, or 502, 503, 504 where they apply).
	serve(gen *generation, w http.ResponseWriter, request goRequest)
	// close unloads the plugin: once, after the generation's last request.
	close(gen *generation)
}

// generation is one load of a plugin file: its own copy, and the backend serving its plugin.
type generation struct {
	gateway *Gateway
	id      uint64
	route   string
	source  string
	copy    string
	// backend serves the requests: in process, in a Wasm module or out of process.
	backend backend
	name    string
	version string
	// refs counts the route's reference (1 while current) and the requests in flight; the
	// generation is unloaded when it drops to 0, which happens once.
	refs     atomic.Int64
	unloaded chan struct{}
}

// New creates a gateway that keeps its copies of plugin files in a new private directory. It
// serves the native Go echo at /native-echo; its admin operations are served by AdminHandler,
// on a listener of their own.
func New(options Options) (*Gateway, error) {
	if len(options.PluginDirs) == 0 {
		return nil, errors.New("no plugin directory: name the directories plugins may be loaded from")
	}
	var sources []string
	for _, dir := range options.PluginDirs {
		resolved, err := resolve(dir)
		if err != nil {
			return nil, fmt.Errorf("plugin directory %s: %w", dir, err)
		}
		sources = append(sources, resolved)
	}
	options.MaxPluginBytes = cmp.Or(options.MaxPluginBytes, DefaultMaxPluginBytes)
	options.MaxInFlight = cmp.Or(options.MaxInFlight, DefaultMaxInFlight)
	options.MaxBodyBytes = cmp.Or(options.MaxBodyBytes, DefaultMaxBodyBytes)
	options.WasmTimeout = cmp.Or(options.WasmTimeout, DefaultWasmTimeout)
	options.WasmMemoryBytes = cmp.Or(options.WasmMemoryBytes, DefaultWasmMemoryBytes)
	options.WasmIdleTimeout = cmp.Or(options.WasmIdleTimeout, DefaultWasmIdleTimeout)
	options.WasmCompileTimeout = cmp.Or(options.WasmCompileTimeout, wasmplugin.DefaultCompileTimeout)
	options.PluginServer = cmp.Or(options.PluginServer, procplugin.DefaultServer())
	options.ProcessTimeout = cmp.Or(options.ProcessTimeout, DefaultProcessTimeout)
	options.ProcessMemoryBytes = cmp.Or(options.ProcessMemoryBytes, DefaultProcessMemoryBytes)
	if options.Logger == nil {
		options.Logger = log.New(io.Discard, "", 0)
	}
	dir, err := os.MkdirTemp(options.TempDir, "rp-gateway-")
	if err != nil {
		return nil, fmt.Errorf("cannot create the gateway's plugin directory: %w", err)
	}
	g := &Gateway{
		mux:      http.NewServeMux(),
		dir:      dir,
		sources:  sources,
		options:  options,
		logger:   options.Logger,
		routes:   map[string]*route{},
		goRoutes: map[string]*GoPlugin{},
		live:     map[uint64]*generation{},
	}
	g.mux.Handle("/native-echo", g.bodyReader(NativeEcho))
	return g, nil
}

// ServeHTTP routes a request to a plugin route or the native echo. It serves no admin path.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.TransferEncoding) > 0 {
		// A Transfer-Encoding request closes its connection after the answer: RFC 9112 6.1 asks
		// it of one that also had a Content-Length, which net/http drops before any handler
		// runs (RefuseAmbiguousFraming refuses those first when it wraps the listener), and
		// what follows such a request on its connection is not checked.
		w.Header().Set("Connection", "close")
	}
	g.mux.ServeHTTP(w, r)
}

// AddPlugin loads the Rust plugin at source (in one of the plugin directories), initialises it
// with config and serves it at path (and below it).
func (g *Gateway) AddPlugin(path, source, config string) error {
	return g.addPlugin(&route{path: path, source: source, config: config})
}

// AddProcessPlugin serves the Rust HTTP plugin at source out of process: rp-plugin-server
// (Options.PluginServer) loads it, a crash of the plugin answers the requests in it 502 and
// restarts the server, and the gateway keeps serving. Reloads start a new server and stop the
// old one after its last request.
func (g *Gateway) AddProcessPlugin(path, source, config string) error {
	return g.addPlugin(&route{path: path, source: source, config: config, outOfProcess: true})
}

func (g *Gateway) addPlugin(r *route) error {
	path, source := r.path, r.source
	g.mu.Lock()
	err := g.checkRoute(path)
	g.mu.Unlock()
	if err != nil {
		return err
	}
	gen, err := g.load(r, source)
	if err != nil {
		return err
	}
	g.mu.Lock()
	if err := g.checkRoute(path); err != nil { // taken meanwhile
		g.mu.Unlock()
		gen.release() // outside g.mu: unload takes it
		return err
	}
	r.current.Store(gen)
	g.routes[path] = r
	g.handle(path, g.bodyReader(g.limited(r.serve)))
	g.mu.Unlock()
	g.logger.Printf("%s: serving %s %s (generation %d, from %s)", path, gen.name, gen.version, gen.id, source)
	return nil
}

// AddGoPlugin serves the Go plugin at source at path. It can never be reloaded.
func (g *Gateway) AddGoPlugin(path, source string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.checkRoute(path); err != nil {
		return err
	}
	p, err := OpenGoPlugin(source)
	if err != nil {
		return err
	}
	g.goRoutes[path] = p
	g.handle(path, g.bodyReader(g.limited(p.serve)))
	g.logger.Printf("%s: serving Go plugin %s", path, source)
	return nil
}

// checkRoute refuses a path the mux would reject (it panics) or that is taken, and any once the
// gateway is closed: a route is "/" and one or more segments of letters, digits, '-', '_' and
// '.', and not /admin or /native-echo. The caller holds g.mu.
func (g *Gateway) checkRoute(path string) error {
	segments := strings.Split(strings.TrimPrefix(path, "/"), "/")
	valid := strings.HasPrefix(path, "/")
	for _, segment := range segments {
		valid = valid && segment != "" && strings.Trim(segment,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == ""
	}
	switch {
	case g.closed:
		return errors.New("the gateway is closed")
	case !valid:
		return fmt.Errorf("route %q: want /name[/name...] of letters, digits, '-', '_' and '.'", path)
	case segments[0] == "admin" || path == "/native-echo":
		return fmt.Errorf("route %s is the gateway's own", path)
	case g.routes[path] != nil || g.goRoutes[path] != nil:
		return fmt.Errorf("route %s is already served", path)
	}
	return nil
}

func (g *Gateway) handle(path string, h http.Handler) {
	g.mux.Handle(path, h)
	if !strings.HasSuffix(path, "/") {
		g.mux.Handle(path+"/", h)
	}
}

// ReloadError is a reload that was refused; the current plugin keeps serving.
type ReloadError struct {
	Route string
	// NotFound: no Rust plugin is served at Route.
	NotFound bool
	Err      error
}

func (e *ReloadError) Error() string { return fmt.Sprintf("reload %s refused: %v", e.Route, e.Err) }
func (e *ReloadError) Unwrap() error { return e.Err }

// Reload loads source (the route's own source when empty) and swaps it in at path. On success the
// route's source becomes source, and the previous generation is unloaded after its last request.
// On failure nothing changes: the error says why, and the current generation keeps serving.
//
// The file is copied and loaded without holding the gateway's lock: a slow or hostile file delays
// only its own reload, never status, other reloads or shutdown.
func (g *Gateway) Reload(path, source string) (Generation, error) {
	g.mu.Lock()
	r, err := g.reloadable(path)
	if err == nil && source == "" {
		source = r.source
	}
	g.mu.Unlock()
	if err != nil {
		return Generation{}, err
	}
	gen, err := g.load(r, source)
	g.mu.Lock()
	if err == nil && g.closed {
		err = errors.New("the gateway is closed")
		defer gen.release() // outside g.mu: unload takes it
	}
	if err != nil {
		g.failedReloads++
		g.mu.Unlock()
		g.logger.Printf("%s: reload from %s refused, the current generation keeps serving: %v", path, source, err)
		return Generation{}, &ReloadError{Route: path, Err: err}
	}
	r.source = source
	old := r.current.Swap(gen)
	g.reloads++
	info := gen.info()
	g.mu.Unlock()
	g.logger.Printf("%s: generation %d (%s %s from %s) serving; generation %d unloads after its last request",
		path, gen.id, gen.name, gen.version, source, old.id)
	// Outside g.mu: when no request holds it, this unloads it now, and unload takes g.mu.
	old.release()
	return info, nil
}

// reloadable returns the Rust route at path, or why it cannot be reloaded. The caller holds g.mu.
func (g *Gateway) reloadable(path string) (*route, error) {
	switch r := g.routes[path]; {
	case g.closed:
		return nil, &ReloadError{Route: path, Err: errors.New("the gateway is closed")}
	case r != nil:
		return r, nil
	case g.goRoutes[path] != nil:
		return nil, &ReloadError{Route: path, Err: errors.New(
			"it is served by a Go plugin, and Go plugins cannot be unloaded (plugin.Open has no Close): restart the gateway")}
	default:
		return nil, &ReloadError{Route: path, NotFound: true, Err: errors.New("no Rust plugin is served there")}
	}
}

// ReloadAll reloads every Rust route from its source (what SIGHUP does), and returns the
// refusals joined.
func (g *Gateway) ReloadAll() error {
	g.mu.Lock()
	paths := make([]string, 0, len(g.routes))
	for path := range g.routes {
		paths = append(paths, path)
	}
	g.mu.Unlock()
	sort.Strings(paths)
	var errs []error
	for _, path := range paths {
		if _, err := g.Reload(path, ""); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// load copies source (which must resolve into a plugin directory) into the gateway's private
// directory, loads the copy (the C loader checks it before dlopen) and initialises an instance,
// registered as live. The caller does not hold g.mu.
func (g *Gateway) load(r *route, source string) (*generation, error) {
	g.mu.Lock()
	closed := g.closed
	g.lastGeneration++
	id := g.lastGeneration
	g.mu.Unlock()
	if closed {
		return nil, errors.New("the gateway is closed")
	}
	resolved, err := g.pluginFile(source)
	if err != nil {
		return nil, err
	}
	copyPath := filepath.Join(g.dir, fmt.Sprintf("%d-%s", id, filepath.Base(resolved)))
	if err := copyBounded(resolved, copyPath, g.options.MaxPluginBytes); err != nil {
		return nil, err
	}
	gen := &generation{gateway: g, id: id, route: r.path, source: source, copy: copyPath, unloaded: make(chan struct{})}
	switch {
	case r.outOfProcess:
		gen.backend, err = g.loadProcess(gen, r.config)
	case isWasm(copyPath):
		gen.backend, err = g.loadWasm(gen, r.config)
	default:
		gen.backend, err = loadInProcess(gen, r.config)
	}
	if err != nil {
		_ = os.Remove(copyPath)
		// The message names the private copy; the user knows the file by its source path.
		return nil, errors.New(strings.ReplaceAll(err.Error(), copyPath, source))
	}
	gen.refs.Store(1)
	g.mu.Lock()
	g.live[id] = gen
	g.mu.Unlock()
	return gen, nil
}

// acquire returns the route's current generation with a reference for one request, or nil once
// the gateway is closed. A generation whose count reached 0 is being unloaded and is never used
// again: the loop then finds its successor.
func (r *route) acquire() *generation {
	for {
		gen := r.current.Load()
		if gen == nil {
			return nil
		}
		n := gen.refs.Load()
		if n > 0 && gen.refs.CompareAndSwap(n, n+1) {
			return gen
		}
	}
}

// release drops one reference; the last one unloads the generation.
func (gen *generation) release() {
	if gen.refs.Add(-1) == 0 {
		gen.unload()
	}
}

// unload closes the generation's plugin (its backend says how) and removes its copy.
func (gen *generation) unload() {
	gen.backend.close(gen)
	_ = os.Remove(gen.copy)
	g := gen.gateway
	g.mu.Lock()
	delete(g.live, gen.id)
	g.mu.Unlock()
	mapped := "still mapped"
	if !slices.Contains(MappedFiles(g.dir), gen.copy) {
		mapped = "no longer mapped"
	}
	g.logger.Printf("%s: generation %d (%s %s) unloaded: %s %s", gen.route, gen.id, gen.name, gen.version, gen.copy, mapped)
	close(gen.unloaded)
}

// answerFailure answers a request the plugin failed with code, and logs it: "plugin NAME VERSION "
// and what happened (format, args).
func (gen *generation) answerFailure(w http.ResponseWriter, code int, format string, args ...any) {
	text := fmt.Sprintf("plugin %s %s ", gen.name, gen.version) + fmt.Sprintf(format, args...)
	gen.gateway.logger.Printf("%s: %s", gen.route, text)
	http.Error(w, text, code)
}

// serve hands one request to the route's current generation.
func (r *route) serve(w http.ResponseWriter, request goRequest) {
	gen := r.acquire()
	if gen == nil {
		http.Error(w, "the gateway is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer gen.release()
	gen.backend.serve(gen, w, request)
}

// Close stops reloads and unloads every generation once its requests have finished; requests that
// arrive later get 503 (shut the HTTP server down first). Go plugins are closed but stay mapped.
func (g *Gateway) Close() { _ = g.Shutdown(context.Background()) }

// Shutdown is Close that waits at most until ctx is done. A plugin call cannot be cancelled in
// process: when one is still running then, Shutdown returns ctx's error and leaves its generation
// loaded (and the private directory in place), and the caller is expected to exit.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	var current []*generation
	for _, r := range g.routes {
		current = append(current, r.current.Swap(nil))
	}
	var waiting []chan struct{}
	for _, gen := range g.live {
		waiting = append(waiting, gen.unloaded)
	}
	for _, p := range g.goRoutes {
		_ = p.plugin.Close()
	}
	g.mu.Unlock()
	for _, gen := range current {
		gen.release()
	}
	for _, done := range waiting {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("plugin calls still running: %w", ctx.Err())
		}
	}
	return os.RemoveAll(g.dir)
}
