package wasmplugin

// Leases: a bound on each use of an instance (Options.CallTimeout), and on its making
// (Options.InitTimeout), that costs a call a few
// atomic operations until it fires. The alternative, a context with a deadline per use, costs a
// timer on every request (context.WithTimeout: about 0.5 us here, 4 allocations). One goroutine
// per Module, the keeper, looks at the calls in flight every keeperTick and stops one whose lease
// ran out by closing its instance, which ends the call at the guest's next loop head (the
// termination checks of an Interruptible module).
//
// What it cannot save: wazero starts a goroutine for every call into an Interruptible module, to
// watch the call's context, even a context that can never end (wazevo's callWithStack calls
// CloseModuleOnCanceledOrTimeout unconditionally), so a call still pays for that goroutine; and
// the termination check at each loop head is a round trip from the guest to Go
// (check_module_exit_code), whatever the context.

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/sys"
)

// keeperTick is how often the keeper looks while calls are in flight: a lease is stopped at most
// this late (plus the guest's way to its next check). An idle module's keeper sleeps.
const keeperTick = 2 * time.Millisecond

// watch is an Instance's lease as the keeper sees it.
type watch struct {
	// end is the lease's end (Unix ns; 0: no lease), set by Get, read by the calls; limit is
	// its length, for the fault's message.
	end   int64
	limit time.Duration
	// state is the end while a call runs under the lease, 0 between calls, and -1 once the keeper
	// stopped the instance.
	state atomic.Int64
	// mu orders the keeper's fault before a call reads it.
	mu    sync.Mutex
	fault *Fault
	// stopped is closed when the keeper stops the instance (sleep_ms waits on it). The instance
	// is discarded after, so it is closed at most once.
	stopped chan struct{}
}

// lease starts a use of in that lasts at most Options.CallTimeout, and returns in.
func (in *Instance) lease() *Instance {
	in.bound(in.m.options.CallTimeout)
	return in
}

// bound makes in's calls from now on stop past limit from now (0: unbounded).
func (in *Instance) bound(limit time.Duration) {
	in.watch.end, in.watch.limit = 0, limit
	if limit > 0 {
		in.watch.end = time.Now().Add(limit).UnixNano()
	}
}

// endLease ends the use of in: its calls in Finish, or under the next lease, are not this one's.
func (in *Instance) endLease() { in.watch.end = 0 }

// beginWatch hands a call under the lease to the keeper.
func (in *Instance) beginWatch() {
	in.watch.state.Store(in.watch.end)
	if in.m.watched.Add(1) == 1 {
		select {
		case in.m.wake <- struct{}{}:
		default: // awake already
		}
	}
}

// endWatch takes the call back from the keeper: the keeper's fault if it stopped the call (the
// call may have ended meanwhile: the instance is closed all the same).
func (in *Instance) endWatch() *Fault {
	in.m.watched.Add(-1)
	if in.watch.state.CompareAndSwap(in.watch.end, 0) {
		return nil
	}
	in.watch.mu.Lock()
	defer in.watch.mu.Unlock()
	return in.watch.fault
}

// keep stops the calls past their lease, until the module closes.
func (m *Module) keep() {
	for {
		select {
		case <-m.stop:
			return
		case <-m.wake:
		}
		ticker := time.NewTicker(keeperTick)
		for m.watched.Load() > 0 {
			select {
			case <-m.stop:
				ticker.Stop()
				return
			case now := <-ticker.C:
				m.byModule.Range(func(_, value any) bool {
					value.(*Instance).stopIfPast(now.UnixNano())
					return true
				})
			}
		}
		ticker.Stop()
	}
}

// stopIfPast stops in's call if its lease ended before now.
func (in *Instance) stopIfPast(now int64) {
	end := in.watch.state.Load()
	if end <= 0 || now < end {
		return
	}
	in.watch.mu.Lock()
	defer in.watch.mu.Unlock()
	if !in.watch.state.CompareAndSwap(end, -1) {
		return // the call ended meanwhile
	}
	in.watch.fault = &Fault{Kind: ErrDeadline, Message: "the instance was stopped: past its time limit of " + in.watch.limit.String()}
	close(in.watch.stopped)
	_ = in.module.CloseWithExitCode(context.Background(), sys.ExitCodeDeadlineExceeded)
}
