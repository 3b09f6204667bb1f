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
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"rustplugin/go-interop/status"
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
	// cancellation), a runaway loop included: the compiled code checks at loop heads and calls,
	// and wazero watches each call's context with a goroutine of its own, about 0.5 us per call
	// (measured: BenchmarkAdd wasm-deadline vs wasm). Without it a call runs to its end, and only
	// the sleep_ms import honours the context.
	Interruptible bool
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

// Info is what a module's rp_wasm_abi section says.
type Info struct {
	Major, Minor  int
	Kind          string
	Name, Version string
}

// ReadInfo reads a module's rp_wasm_abi section without compiling or running anything.
func ReadInfo(module []byte) (Info, error) {
	var text []byte
	err := sections(module, func(id byte, body []byte) error {
		if id != 0 {
			return nil
		}
		nameLen, m := uleb(body)
		if m == 0 || nameLen > uint64(len(body)-m) {
			return fmt.Errorf("%w: a custom section's name is past its end", ErrRefused)
		}
		if string(body[m:m+int(nameLen)]) == Section {
			text = body[m+int(nameLen):]
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	if text == nil {
		return Info{}, fmt.Errorf("%w: no %s section: not a plugin of this project (build it with export_http_plugin! or rustplugin for wasm32)", ErrRefused, Section)
	}
	if len(text) > MaxQuoteBytes {
		return Info{}, fmt.Errorf("%w: the %s section is %d bytes, over %d", ErrRefused, Section, len(text), MaxQuoteBytes)
	}
	fields := strings.Fields(string(text))
	var info Info
	if len(fields) == 4 {
		major, minor, found := strings.Cut(fields[0], ".")
		var errMajor, errMinor error
		info.Major, errMajor = strconv.Atoi(major)
		info.Minor, errMinor = strconv.Atoi(minor)
		if found && errMajor == nil && errMinor == nil {
			info.Kind, info.Name, info.Version = fields[1], fields[2], fields[3]
			return info, nil
		}
	}
	return Info{}, fmt.Errorf("%w: the %s section %q is not \"MAJOR.MINOR KIND NAME VERSION\"", ErrRefused, Section, Quote(text))
}

// sections calls visit with each section of module (its id and contents), after the header.
func sections(module []byte, visit func(id byte, body []byte) error) error {
	if !bytes.HasPrefix(module, []byte("\x00asm\x01\x00\x00\x00")) {
		return fmt.Errorf("%w: not a Wasm module (no \\0asm version 1 header)", ErrRefused)
	}
	for rest := module[8:]; len(rest) > 0; {
		id := rest[0]
		size, n := uleb(rest[1:])
		if n == 0 || size > uint64(len(rest)-1-n) {
			return fmt.Errorf("%w: a section's size is past the end of the file", ErrRefused)
		}
		if err := visit(id, rest[1+n:1+n+int(size)]); err != nil {
			return err
		}
		rest = rest[1+n+int(size):]
	}
	return nil
}

// Section ids checkShape looks at.
const (
	tableSection  = 4
	memorySection = 5
	startSection  = 8
)

// checkShape refuses what a module could use to escape its limits before any of its code runs:
// a start function (code run at instantiation, outside the guest ABI's rp_wasm_start and its
// deadline), more than one memory, or tables that may hold more than maxTableEntries elements in
// all (a table without a maximum grows outside the memory limit).
func checkShape(module []byte, maxTableEntries uint64) error {
	return sections(module, func(id byte, body []byte) error {
		switch id {
		case startSection:
			return fmt.Errorf("%w: a start function: code that would run before rp_wasm_start, outside the guest ABI", ErrRefused)
		case memorySection:
			if count, _ := uleb(body); count > 1 {
				return fmt.Errorf("%w: %d memories: the guest ABI has one", ErrRefused, count)
			}
		case tableSection:
			count, n := uleb(body)
			rest, entries := body[n:], uint64(0)
			for range count {
				// A reference type, then limits: 0x00 min, or 0x01 min max.
				if len(rest) < 2 || rest[1] != 0x01 {
					return fmt.Errorf("%w: a table without a maximum size: its growth would escape the memory limit", ErrRefused)
				}
				_, a := uleb(rest[2:])
				max, b := uleb(rest[2+a:])
				if a == 0 || b == 0 {
					return fmt.Errorf("%w: a malformed table", ErrRefused)
				}
				entries += max
				rest = rest[2+a+b:]
			}
			if entries > maxTableEntries {
				return fmt.Errorf("%w: tables of up to %d elements, over the %d its memory limit allows", ErrRefused, entries, maxTableEntries)
			}
		}
		return nil
	})
}

// uleb decodes an unsigned LEB128 of at most 5 bytes; n is 0 when it is malformed.
func uleb(b []byte) (value uint64, n int) {
	for i := 0; i < len(b) && i < 5; i++ {
		value |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return value, i + 1
		}
	}
	return 0, 0
}

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
	stop     chan struct{} // closed by Close: ends the idle reaper
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
	}
	if err := m.compile(ctx, module); err != nil {
		m.closeRuntime(ctx)
		return nil, err
	}
	if options.IdleTimeout > 0 {
		go m.reapIdle(options.IdleTimeout)
	}
	return m, nil
}

// reapIdle retires, every half timeout, the instances idle for longer than timeout (those in
// idle: the hot one stays), until the module closes.
func (m *Module) reapIdle(timeout time.Duration) {
	ticker := time.NewTicker(timeout / 2)
	defer ticker.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-ticker.C:
			retired := 0
			for range len(m.idle) {
				var in *Instance
				select {
				case in = <-m.idle:
				default:
				}
				if in == nil {
					break
				}
				if now.Sub(in.idleSince) < timeout || m.closed.Load() {
					m.idle <- in // cannot block: it came from there, and Put never overfills
					continue
				}
				m.retire(in)
				retired++
			}
			if retired > 0 {
				// The instances' memories are large and now garbage: give them back now, not at
				// the scavenger's pace (a burst of 64 x 16 MiB stayed resident for minutes).
				debug.FreeOSMemory()
			}
		}
	}
}

// retire closes an idle instance for good (after Finish), freeing its slot.
func (m *Module) retire(in *Instance) {
	ctx, cancel := context.WithTimeout(context.Background(), replaceTimeout)
	defer cancel()
	if m.options.Finish != nil {
		m.options.Finish(ctx, in)
	}
	m.byModule.Delete(in.module)
	_ = in.module.Close(ctx)
	<-m.slots
	m.Retired.Add(1)
}

func (m *Module) compile(ctx context.Context, module []byte) error {
	if _, err := m.runtime.NewHostModuleBuilder("rp_host").
		NewFunctionBuilder().WithFunc(m.hostPanic).Export("panic").
		NewFunctionBuilder().WithFunc(m.hostOutOfMemory).Export("out_of_memory").
		NewFunctionBuilder().WithFunc(hostSleep).Export("sleep_ms").
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

// Get returns an idle instance, or a new one when none is idle and fewer than MaxInstances are
// alive, or waits for one until ctx ends. Give it back with Put.
func (m *Module) Get(ctx context.Context) (*Instance, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	if in := m.hot.Swap(nil); in != nil {
		return in, nil
	}
	m.waiting.Add(1)
	defer m.waiting.Add(-1)
	for {
		if m.closed.Load() {
			return nil, ErrClosed
		}
		// Checked after waiting is raised: a Put that parked its instance in hot before it saw
		// this Get waiting is seen here.
		if in := m.hot.Swap(nil); in != nil {
			return in, nil
		}
		select {
		case in := <-m.idle:
			return in, nil
		case m.slots <- struct{}{}:
			in, err := m.instantiate(ctx)
			if err != nil {
				<-m.slots
				return nil, err
			}
			return in, nil
		case <-ctx.Done():
			return nil, &Fault{Kind: ErrDeadline, Message: "no instance became free before the deadline: " + ctx.Err().Error()}
		}
	}
}

// Put gives in back after a call that returned err: an instance that faulted is discarded.
func (m *Module) Put(in *Instance, err error) {
	if errors.Is(err, ErrFault) {
		m.Faults.Add(1)
	}
	if errors.Is(err, ErrFault) || m.closed.Load() {
		m.discard(in)
		return
	}
	if m.waiting.Load() == 0 && m.hot.CompareAndSwap(nil, in) {
		// A Get that started waiting meanwhile may have missed hot: hand the instance over.
		if m.waiting.Load() == 0 {
			return
		}
		if in = m.hot.Swap(nil); in == nil {
			return
		}
	}
	if m.options.IdleTimeout > 0 { // off the hot path: only instances parked in idle are reaped
		in.idleSince = time.Now()
	}
	m.idle <- in
}

// discard closes in, and makes its replacement in the background when the module is open, so
// that the call after a fault finds an instance ready (its slot passes to the replacement).
func (m *Module) discard(in *Instance) {
	m.byModule.Delete(in.module)
	_ = in.module.Close(context.Background())
	if m.closed.Load() {
		<-m.slots
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), replaceTimeout)
		defer cancel()
		replacement, err := m.instantiate(ctx)
		if err != nil {
			<-m.slots // the next Get tries again, and reports the error
			return
		}
		m.Put(replacement, nil)
	}()
}

// replaceTimeout bounds the making of an instance that replaces a discarded one.
const replaceTimeout = 10 * time.Second

func (m *Module) instantiate(ctx context.Context) (*Instance, error) {
	module, err := m.runtime.InstantiateModule(ctx, m.code, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("%s %s: cannot instantiate: %w", m.Info.Name, m.Info.Version, err)
	}
	in := &Instance{module: module, memory: module.Memory(), funcs: make([]api.Function, len(m.exports))}
	for i, export := range m.exports {
		in.funcs[i] = module.ExportedFunction(export.Name)
	}
	m.byModule.Store(module, in)
	result, err := in.call(ctx, in.funcs[0])
	if err == nil {
		in.result = uint32(result)
		if m.options.Init != nil {
			err = m.options.Init(ctx, in)
		}
	}
	if err != nil {
		m.byModule.Delete(module)
		_ = module.Close(ctx)
		return nil, fmt.Errorf("%s %s: cannot prepare an instance: %w", m.Info.Name, m.Info.Version, err)
	}
	return in, nil
}

func (m *Module) instance(module api.Module) *Instance {
	in, _ := m.byModule.Load(module)
	instance, _ := in.(*Instance)
	return instance
}

func (m *Module) hostPanic(ctx context.Context, module api.Module, ptr, length uint32) {
	if in := m.instance(module); in != nil {
		message, _ := module.Memory().Read(ptr, min(length, 4096))
		in.fault = &Fault{Kind: ErrPanic, Message: strings.ToValidUTF8(string(message), "\uFFFD")}
	}
}

func (m *Module) hostOutOfMemory(ctx context.Context, module api.Module, size uint32) {
	if in := m.instance(module); in != nil {
		in.fault = &Fault{Kind: ErrOutOfMemory, Message: fmt.Sprintf(
			"an allocation of %d bytes failed with %d bytes in use, under the limit of %d bytes",
			size, module.Memory().Size(), m.options.MemoryLimitBytes)}
	}
}

// hostSleep sleeps ms milliseconds, or until ctx ends: then the instance is closed, which ends the
// call with the deadline's fault as soon as the guest runs again.
func hostSleep(ctx context.Context, module api.Module, ms uint32) {
	timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		_ = module.CloseWithExitCode(ctx, sys.ExitCodeDeadlineExceeded)
	}
}

// Instance is one instance of a Module, used by one goroutine at a time (between Get and Put).
type Instance struct {
	module api.Module
	memory api.Memory
	funcs  []api.Function
	result uint32 // the address of the result area
	input  uint32 // the input buffer's address and capacity
	inCap  uint32
	stack  [4]uint64
	fault  *Fault // set by the host functions during a call
	// idleSince is when it was last given back (for Options.IdleTimeout).
	idleSince time.Time
}

// Input returns the guest's input buffer, grown to n bytes: the caller writes the call's
// arguments into it, end to end. Valid until the next call.
func (in *Instance) Input(ctx context.Context, n int) ([]byte, error) {
	if uint64(n) > 1<<31 {
		return nil, &CallError{Status: status.TooLarge, Message: fmt.Sprintf("an argument of %d bytes is over the 2 GiB a call can take", n)}
	}
	if uint32(n) > in.inCap {
		address, err := in.call(ctx, in.funcs[1], uint64(n))
		if err != nil {
			return nil, err
		}
		in.input, in.inCap = uint32(address), uint32(n)
	}
	buffer, ok := in.memory.Read(in.input, uint32(n))
	if !ok {
		return nil, &Fault{Kind: ErrTrap, Message: "the input buffer is outside the instance's memory"}
	}
	return buffer, nil
}

// Call calls export number index (0 is the first of the exports given to Compile), one that
// returns an i32 status, and returns its value: an error when the plugin returned a status
// (*CallError) or the instance faulted (*Fault).
func (in *Instance) Call(ctx context.Context, index int, params ...uint64) (int64, error) {
	value, err := in.call(ctx, in.funcs[len(common)+index], params...)
	if err != nil {
		return 0, err
	}
	if int32(value) < 0 {
		return 0, &CallError{Status: -int(int32(value)), Message: Quote(in.Result())}
	}
	return int64(int32(value)), nil
}

// CallRaw calls export number index (as Call) and returns its raw 64-bit result, for exports
// that are not status-returning (Add).
func (in *Instance) CallRaw(ctx context.Context, index int, params ...uint64) (uint64, error) {
	return in.call(ctx, in.funcs[len(common)+index], params...)
}

// Result returns the last call's result: a view of the instance's memory, valid until the next
// call (copy what you keep).
func (in *Instance) Result() []byte {
	address, ok1 := in.memory.ReadUint32Le(in.result)
	length, ok2 := in.memory.ReadUint32Le(in.result + 4)
	view, ok3 := in.memory.Read(address, length)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	return view
}

func (in *Instance) call(ctx context.Context, f api.Function, params ...uint64) (uint64, error) {
	stack := in.stack[:max(len(params), 1)]
	copy(stack, params)
	err := f.CallWithStack(ctx, stack)
	if err == nil {
		return stack[0], nil
	}
	return 0, in.classify(ctx, err)
}

// classify turns a failed call into a Fault.
func (in *Instance) classify(ctx context.Context, err error) *Fault {
	if in.fault != nil {
		return in.fault
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) || ctx.Err() != nil {
		cause := "the module was closed"
		if ctx.Err() != nil {
			cause = ctx.Err().Error()
		}
		return &Fault{Kind: ErrDeadline, Message: "the instance was stopped: " + cause}
	}
	message, _, _ := strings.Cut(err.Error(), "\n") // the first line, without wazero's stack trace
	return &Fault{Kind: ErrTrap, Message: message}
}
