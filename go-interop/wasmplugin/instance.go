package wasmplugin

// The pool of a Module's instances (Get, Put, the idle reaper), the host functions every instance
// imports, and an Instance's calls with their faults.

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"rustplugin/go-interop/status"
)

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

// Get returns an idle instance, or a new one when none is idle and fewer than MaxInstances are
// alive, or waits for one until ctx ends. Give it back with Put.
func (m *Module) Get(ctx context.Context) (*Instance, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	if in := m.hot.Swap(nil); in != nil {
		return in.lease(), nil
	}
	m.waiting.Add(1)
	defer m.waiting.Add(-1)
	// The wait is bounded by ctx and by the call timeout, whose timer is made only here, when
	// there is a wait.
	var timeout <-chan time.Time
	if m.options.CallTimeout > 0 {
		timer := time.NewTimer(m.options.CallTimeout)
		defer timer.Stop()
		timeout = timer.C
	}
	for {
		if m.closed.Load() {
			return nil, ErrClosed
		}
		// Checked after waiting is raised: a Put that parked its instance in hot before it saw
		// this Get waiting is seen here.
		if in := m.hot.Swap(nil); in != nil {
			return in.lease(), nil
		}
		select {
		case in := <-m.idle:
			return in.lease(), nil
		case m.slots <- struct{}{}:
			in, err := m.instantiate(ctx)
			if err != nil {
				<-m.slots
				return nil, err
			}
			return in.lease(), nil
		case <-ctx.Done():
			return nil, &Fault{Kind: ErrDeadline, Message: "no instance became free before the deadline: " + ctx.Err().Error()}
		case <-timeout:
			return nil, &Fault{Kind: ErrDeadline, Message: "no instance became free within the call timeout of " + m.options.CallTimeout.String()}
		}
	}
}

// Put gives in back after a call that returned err: an instance that faulted is discarded.
func (m *Module) Put(in *Instance, err error) {
	faulted := err != nil && errors.Is(err, ErrFault) // errors.Is walks the chain: not for a success
	if faulted {
		m.Faults.Add(1)
	}
	if faulted || m.closed.Load() {
		m.discard(in)
		return
	}
	in.endLease()
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
	in := &Instance{m: m, module: module, memory: module.Memory(), funcs: make([]api.Function, len(m.exports))}
	in.watch.stopped = make(chan struct{})
	for i, export := range m.exports {
		in.funcs[i] = module.ExportedFunction(export.Name)
	}
	m.byModule.Store(module, in)
	in.bound(m.options.InitTimeout)
	result, err := in.call(ctx, in.funcs[0])
	if err == nil {
		in.result = uint32(result)
		if m.options.Init != nil {
			err = m.options.Init(ctx, in)
		}
	}
	in.endLease()
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

// hostSleep sleeps ms milliseconds, or until the call's context ends (then the instance is
// closed, which ends the call with the deadline's fault as soon as the guest runs again) or the
// keeper stops the instance.
func (m *Module) hostSleep(ctx context.Context, module api.Module, ms uint32) {
	var stopped chan struct{}
	if in := m.instance(module); in != nil {
		stopped = in.watch.stopped
	}
	timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-stopped:
	case <-ctx.Done():
		_ = module.CloseWithExitCode(ctx, sys.ExitCodeDeadlineExceeded)
	}
}

// Instance is one instance of a Module, used by one goroutine at a time (between Get and Put).
type Instance struct {
	m      *Module
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
	// Its lease, as the keeper sees it (deadline.go).
	watch watch
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
	if in.watch.end != 0 { // under a lease, which the keeper watches
		in.beginWatch()
		err := f.CallWithStack(ctx, stack)
		if fault := in.endWatch(); fault != nil {
			return 0, fault
		}
		if err == nil {
			return stack[0], nil
		}
		return 0, in.classify(ctx, err)
	}
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
