package conformance

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"rustplugin/go-interop/usermanager/hashicorp"
)

// BenchmarkPingPong is the floor of a call out of process on this machine: one cache line handed
// to a thread on the plugin processes' CPUs (RP_PLUGIN_CPUS, where rp-plugin-server runs) and back,
// both sides spinning, as a call to a spinning server does with its slot's state word. ns/op is
// one round trip; GetUser/process-shared is that, plus the lookup, the copies and the cgo call.
func BenchmarkPingPong(b *testing.B) {
	b.Run("threads", func(b *testing.B) {
		partner, err := partnerCPUs()
		if err != nil {
			b.Skip(err)
		}
		// The host is pinned to one CPU, so Go runs one P: a second lets both sides spin at once.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var line struct {
			_     [64]byte
			state atomic.Uint64 // odd: the host's turn is over; even: the partner's
			_     [56]byte
		}
		stop := uint64(1 << 63)
		started := make(chan error)
		go func() {
			runtime.LockOSThread()
			if partner != nil {
				if err := unix.SchedSetaffinity(0, partner); err != nil {
					started <- err
					return
				}
			}
			started <- nil
			for seen := uint64(1); ; seen += 2 {
				for line.state.Load() < seen {
				}
				if line.state.Load() >= stop {
					return
				}
				line.state.Store(seen + 1)
			}
		}()
		if err := <-started; err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := uint64(0); i < uint64(b.N); i++ {
			line.state.Store(2*i + 1)
			for line.state.Load() != 2*i+2 {
			}
		}
		b.StopTimer()
		line.state.Store(stop)
	})
}

// partnerCPUs is where the ping-pong's partner runs: RP_PLUGIN_CPUS (nil when unset: wherever the
// scheduler puts it), or an error when host and partner could only share one CPU (each round
// trip would then wait for a time slice).
func partnerCPUs() (*unix.CPUSet, error) {
	list := os.Getenv(hashicorp.PluginCPUsEnv)
	if list == "" {
		var own unix.CPUSet
		if err := unix.SchedGetaffinity(0, &own); err != nil || own.Count() < 2 {
			return nil, errors.New("host and partner could only share one CPU: no floor to measure")
		}
		return nil, nil
	}
	var set unix.CPUSet
	for _, part := range strings.Split(list, ",") {
		first, last, isRange := strings.Cut(part, "-")
		if !isRange {
			last = first
		}
		low, err1 := strconv.Atoi(first)
		high, err2 := strconv.Atoi(last)
		if err1 != nil || err2 != nil || low > high {
			return nil, fmt.Errorf("%s=%q: not a CPU list as taskset -c takes it", hashicorp.PluginCPUsEnv, list)
		}
		for cpu := low; cpu <= high; cpu++ {
			set.Set(cpu)
		}
	}
	return &set, nil
}
