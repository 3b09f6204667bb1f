// Package wasmplugin runs the project's Rust plugins compiled to Wasm (the guest ABI of
// rust-plugin/rp-ffi-core/src/wasm.rs) in wazero: pure Go, no cgo, sandboxed, unloadable.
//
// A Module is one plugin file: checked before anything of it runs (its rp_wasm_abi section: ABI
// major, minor and kind), compiled in a wazero runtime of its own, and served by a bounded pool of
// instances so that calls run in parallel. Each instance has its own linear memory, capped by
// Options.MemoryLimitBytes. A call that traps (a panic, unreachable, an access out of bounds, a
// stack overflow, an allocation over the limit) or passes its context's deadline returns a *Fault,
// and its instance is discarded: the next call gets a fresh one. Close frees the compiled code and
// every instance: unlike a Go plugin, a Wasm plugin unloads.
package wasmplugin

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The Wasm guest ABI this package is built against (RP_WASM_ABI_VERSION_* of
// rust-plugin/rp-ffi-core/src/wasm.rs, checked by TestConstantsMatchTheRustSide): it
// runs modules of the same major and at least this minor.
const (
	ABIVersionMajor = 1
	ABIVersionMinor = 0
	// Section is the custom section that describes a module.
	Section = "rp_wasm_abi"
)

// ValueType is a Wasm value type, as in export signatures.
type ValueType = api.ValueType

// The value types of the exports.
const (
	I32Type = api.ValueTypeI32
	I64Type = api.ValueTypeI64
)

// Defaults of Options.
const (
	DefaultMaxModuleBytes   = 64 << 20
	DefaultMemoryLimitBytes = 256 << 20
)

// Options configure a Module. A zero field takes its default.
type Options struct {
	// MaxModuleBytes bounds the module file (DefaultMaxModuleBytes).
	MaxModuleBytes int64
	// MemoryLimitBytes bounds each instance's linear memory (DefaultMemoryLimitBytes, at most
	// 4 GiB, rounded up to 64 KiB pages); an allocation past it is an ErrOutOfMemory fault.
	MemoryLimitBytes uint64
	// MaxInstances bounds the instances, hence the calls running at once (runtime.GOMAXPROCS(0)).
	// Instances are made when a call finds none idle, so a module used by one goroutine has one.
	MaxInstances int
	// Interruptible compiles the module so that a call stops when its context ends (deadline or
	// cancellation), a runaway loop included. wazero makes it cost twice: it watches each call's
	// context with a goroutine of its own (0.5 to 2 us a call: BenchmarkAdd wasm-deadline against
	// wasm, 2 us when calls come back to back on one CPU and the goroutines pile up), and the
	// compiled code checks at every loop head by leaving the guest for Go and coming back (about
	// 40 ns a turn: a guest that loops once a byte pays it once a byte; the HTTP plugins' SDK
	// reads headers a word at a time for this). Without it a call runs to its end, and only the
	// sleep_ms import honours the context.
	Interruptible bool
	// CallTimeout, when not 0, bounds each use of an instance, from Get to Put (a request: the
	// wait for a free instance, then its calls), beside the calls' contexts: past it the call is
	// stopped, at most a few milliseconds late (deadline.go). It makes the module Interruptible.
	// A bound a caller would otherwise set with a context deadline on every use, which costs a
	// timer each time; a lease costs a few atomic operations until it fires.
	CallTimeout time.Duration
	// InitTimeout, when not 0, bounds the making of each instance (its Init included) in the same
	// way, whatever the context of the Get that makes it. It makes the module Interruptible.
	InitTimeout time.Duration
	// ReserveMemory allocates each instance's memory at its limit up front, so that growing it
	// never copies it (wazero otherwise reallocates linear memory as it grows, and an instance
	// that grows to its limit copies it over and over). For small limits: the reservation counts
	// in the Go heap whether it is used or not.
	ReserveMemory bool
	// CompileTimeout bounds the compilation of the module, checked in a child process first
	// (DefaultCompileTimeout; < 0: compile in process without the check, see compilecheck.go).
	CompileTimeout time.Duration
	// CompileMemoryBytes bounds the address space that compilation may add in the child
	// (DefaultCompileMemoryBytes).
	CompileMemoryBytes uint64
	// IdleTimeout, when not 0, retires instances idle for longer (their memory goes back to the
	// Go heap, and the heap to the system), down to one kept warm: a burst that made MaxInstances
	// instances does not keep MaxInstances x MemoryLimitBytes for as long as the module lives.
	IdleTimeout time.Duration
	// Init prepares each new instance (an HTTP plugin's configuration, the user manager's data);
	// an error discards the instance.
	Init func(ctx context.Context, in *Instance) error
	// Finish runs on each idle instance when the module closes (an HTTP plugin's close).
	Finish func(ctx context.Context, in *Instance)
}

// Errors callers match with errors.Is.
var (
	// ErrRefused: the file is not a module this package runs; nothing of it ran.
	ErrRefused = errors.New("refused Wasm module")
	// ErrABIMismatch: a module of another ABI major, an older minor, or another kind (wraps ErrRefused).
	ErrABIMismatch = fmt.Errorf("%w: ABI mismatch", ErrRefused)
	// ErrFault: the instance trapped or was stopped; it was discarded. Every *Fault is one.
	ErrFault = errors.New("plugin fault")
	// ErrPanic: the plugin panicked.
	ErrPanic = errors.New("plugin panicked")
	// ErrTrap: the plugin trapped: unreachable, an access out of bounds, a stack overflow...
	ErrTrap = errors.New("plugin trapped")
	// ErrOutOfMemory: an allocation would have passed the instance's memory limit.
	ErrOutOfMemory = errors.New("plugin over its memory limit")
	// ErrDeadline: the call's context ended (deadline or cancellation) before the plugin returned.
	ErrDeadline = errors.New("plugin call past its deadline")
	// ErrClosed: the module was closed.
	ErrClosed = errors.New("Wasm module closed")
)

// Fault is a call that ended the instance. Kind is ErrPanic, ErrTrap, ErrOutOfMemory or
// ErrDeadline; errors.Is matches it and ErrFault.
type Fault struct {
	Kind    error
	Message string
}

func (f *Fault) Error() string { return f.Kind.Error() + ": " + f.Message }

// Is matches ErrFault and the fault's kind.
func (f *Fault) Is(target error) bool { return target == ErrFault || target == f.Kind }

// CallError is a failure the plugin returned: a status of the C ABI (rp_common.h) and its message.
type CallError struct {
	Status  int
	Message string
}

func (e *CallError) Error() string { return e.Message }

// Export is a function a kind of module must export, with its signature.
type Export struct {
	Name    string
	Params  []api.ValueType
	Results []api.ValueType
}

// I32 is the signature of most exports: n i32 arguments, one i32 result.
func I32(name string, n int) Export {
	params := make([]api.ValueType, n)
	for i := range params {
		params[i] = api.ValueTypeI32
	}
	return Export{Name: name, Params: params, Results: []api.ValueType{api.ValueTypeI32}}
}

// common are the exports of every module.
var common = []Export{I32("rp_wasm_start", 0), I32("rp_wasm_input", 1)}

// Module is one compiled plugin file and its pool of instances.
type Module struct {
	Info    Info
	options Options
	runtime wazero.Runtime
	code    wazero.CompiledModule
	exports []Export

	// hot is the last instance given back: the next Get takes it with one atomic swap, not a
	// channel operation (about 20 ns less per call). Idle instances beyond it wait in idle.
	hot     atomic.Pointer[Instance]
	waiting atomic.Int32 // Gets blocked on idle: while any, Put hands instances to them
	idle    chan *Instance
	slots   chan struct{} // one per instance alive
	// byModule finds the Instance of a wazero module, for the host functions.
	byModule sync.Map
	closed   atomic.Bool
	stop     chan struct{} // closed by Close: ends the idle reaper and the keeper
	// The keeper of deadlines (deadline.go): the calls it watches, and its wake-up when the first
	// begins.
	watched atomic.Int32
	wake    chan struct{}
	// Faults counts the instances discarded after a fault.
	Faults atomic.Int64
	// Retired counts the instances retired after IdleTimeout.
	Retired atomic.Int64
}

// Load reads the module file at path (a regular file of at most MaxModuleBytes, opened without
// blocking) and compiles it as Compile does.
func Load(ctx context.Context, path, kind string, exports []Export, options Options) (*Module, error) {
	limit := cmp.Or(options.MaxModuleBytes, DefaultMaxModuleBytes)
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	defer file.Close()
	info, err := file.Stat()
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is not a regular file (%s)", ErrRefused, path, info.Mode().Type())
	case info.Size() > limit:
		return nil, fmt.Errorf("%w: %s is %d bytes, over the limit of %d", ErrRefused, path, info.Size(), limit)
	}
	module, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err == nil && int64(len(module)) > limit {
		err = fmt.Errorf("it grew past the limit of %d bytes while it was read", limit)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRefused, path, err)
	}
	return Compile(ctx, module, kind, exports, options)
}

// compiled is the machine code of the modules loaded in this process, by their bytes: a module
// compiled while the same bytes are still loaded (a reload of an unchanged plugin, the old
// generation still serving) takes the code compiled then. Each Module holds its entry until Close.
var compiled = wazero.NewCompilationCache()

// Compile checks module (its ABI section, then its imports and exports: the common ones and
// exports) and compiles it; no instance exists until the first Get.
func Compile(ctx context.Context, module []byte, kind string, exports []Export, options Options) (*Module, error) {
	info, err := ReadInfo(module)
	if err != nil {
		return nil, err
	}
	if info.Major != ABIVersionMajor || info.Minor < ABIVersionMinor || info.Kind != kind {
		return nil, fmt.Errorf("%w: %s %s is a %q module of guest ABI %d.%d; this host runs %q modules of ABI %d.x, x >= %d",
			ErrABIMismatch, info.Name, info.Version, info.Kind, info.Major, info.Minor, kind, ABIVersionMajor, ABIVersionMinor)
	}
	options.MemoryLimitBytes = min(cmp.Or(options.MemoryLimitBytes, DefaultMemoryLimitBytes), 1<<32)
	// A table element costs wazero 8 bytes: tables take at most an eighth of the memory limit.
	if err := checkShape(module, options.MemoryLimitBytes/64); err != nil {
		return nil, err
	}
	options.CompileTimeout = cmp.Or(options.CompileTimeout, DefaultCompileTimeout)
	options.CompileMemoryBytes = cmp.Or(options.CompileMemoryBytes, DefaultCompileMemoryBytes)
	if err := checkCompile(ctx, module, options); err != nil {
		return nil, fmt.Errorf("%s %s: %w", info.Name, info.Version, err)
	}
	options.MaxInstances = cmp.Or(options.MaxInstances, runtime.GOMAXPROCS(0))
	options.Interruptible = options.Interruptible || options.CallTimeout > 0 || options.InitTimeout > 0
	pages := uint32((options.MemoryLimitBytes + 65535) / 65536)
	config := wazero.NewRuntimeConfig().WithMemoryLimitPages(pages).WithCloseOnContextDone(options.Interruptible).
		WithMemoryCapacityFromMax(options.ReserveMemory).WithCompilationCache(compiled)
	m := &Module{
		Info:    info,
		options: options,
		runtime: wazero.NewRuntimeWithConfig(ctx, config),
		exports: append(append([]Export(nil), common...), exports...),
		idle:    make(chan *Instance, options.MaxInstances),
		slots:   make(chan struct{}, options.MaxInstances),
		stop:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
	}
	if err := m.compile(ctx, module); err != nil {
		m.closeRuntime(ctx)
		return nil, err
	}
	if options.IdleTimeout > 0 {
		go m.reapIdle(options.IdleTimeout)
	}
	if options.CallTimeout > 0 || options.InitTimeout > 0 {
		go m.keep()
	}
	return m, nil
}

func (m *Module) compile(ctx context.Context, module []byte) error {
	if _, err := m.runtime.NewHostModuleBuilder("rp_host").
		NewFunctionBuilder().WithFunc(m.hostPanic).Export("panic").
		NewFunctionBuilder().WithFunc(m.hostOutOfMemory).Export("out_of_memory").
		NewFunctionBuilder().WithFunc(m.hostSleep).Export("sleep_ms").
		Instantiate(ctx); err != nil {
		return err
	}
	code, err := m.runtime.CompileModule(ctx, module)
	if err != nil {
		return fmt.Errorf("%w: %s %s does not compile: %v", ErrRefused, m.Info.Name, m.Info.Version, err)
	}
	m.code = code
	for _, imported := range code.ImportedFunctions() {
		if module, name, _ := imported.Import(); module != "rp_host" {
			return fmt.Errorf("%w: %s imports %s.%s: a plugin may import only from rp_host", ErrRefused, m.Info.Name, module, name)
		}
	}
	exported := code.ExportedFunctions()
	for _, want := range m.exports {
		got, ok := exported[want.Name]
		if !ok {
			return fmt.Errorf("%w: %s does not export %s", ErrABIMismatch, m.Info.Name, want.Name)
		}
		if !sameTypes(got.ParamTypes(), want.Params) || !sameTypes(got.ResultTypes(), want.Results) {
			return fmt.Errorf("%w: %s exports %s with another signature", ErrABIMismatch, m.Info.Name, want.Name)
		}
	}
	if _, ok := code.ExportedMemories()["memory"]; !ok {
		return fmt.Errorf("%w: %s exports no memory", ErrABIMismatch, m.Info.Name)
	}
	return nil
}

func sameTypes(a, b []api.ValueType) bool { return bytes.Equal(a, b) }

// MaxQuoteBytes bounds what an error quotes of anything that came from a module (its messages,
// its ABI section): a module cannot make an error, a log line or an HTTP answer large.
const MaxQuoteBytes = 1024

// Quote returns text from a module as an error may carry it: valid UTF-8, at most MaxQuoteBytes
// of it, and how much was left out.
func Quote(text []byte) string {
	if len(text) <= MaxQuoteBytes {
		return strings.ToValidUTF8(string(text), "\uFFFD")
	}
	return fmt.Sprintf("%s... (%d more bytes)", strings.ToValidUTF8(string(text[:MaxQuoteBytes]), "\uFFFD"), len(text)-MaxQuoteBytes)
}

// MemoryLimitBytes is the limit of each instance's memory.
func (m *Module) MemoryLimitBytes() uint64 { return m.options.MemoryLimitBytes }

// Instances is the number of instances alive (idle or in a call).
func (m *Module) Instances() int { return len(m.slots) }

// Close runs Finish on every idle instance, then discards every instance and frees the compiled
// code. Calls in flight end with a Fault (ErrDeadline); later ones get ErrClosed.
func (m *Module) Close(ctx context.Context) error {
	if m.closed.Swap(true) {
		return nil
	}
	close(m.stop)
	idle := []*Instance{m.hot.Swap(nil)}
	for len(m.idle) > 0 {
		idle = append(idle, <-m.idle)
	}
	for _, in := range idle {
		if in != nil && m.options.Finish != nil {
			m.options.Finish(ctx, in)
		}
	}
	return m.closeRuntime(ctx)
}

// closeRuntime closes the runtime and lets go of the compiled code, which the shared cache frees
// when no other module holds it.
func (m *Module) closeRuntime(ctx context.Context) error {
	err := m.runtime.Close(ctx)
	if m.code != nil {
		_ = m.code.Close(ctx)
	}
	return err
}
