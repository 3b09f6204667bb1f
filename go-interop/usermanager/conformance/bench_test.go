package conformance

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustplugin/go-interop/add/cadd"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/native"
	"rustplugin/go-interop/usermanager/process"
	"rustplugin/go-interop/usermanager/rustcgo"
	"rustplugin/go-interop/usermanager/wasm"
	"rustplugin/go-interop/usermanager/workload"
)

// The benchmarks' own flags, after -args: which data sets, and where the generated ones live.
var (
	usersFlag   = flag.String("users", "4", "comma-separated user counts to benchmark: 4 is the demo data, any other a gen-users file")
	dataDirFlag = flag.String("data-dir", "", "folder of the generated files users-N.json (made with gen-users when missing); default: a temporary folder")
	basesFlag   = flag.String("bases", "", "comma-separated bases to load (native, native-indexed, goplugin, cgo, wasm, process, hashicorp-netrpc, hashicorp-grpc); default: all. "+
		"The paths of the others are skipped: at 10^6 users scripts/bench-go.sh runs each group in a process of its own, so that the collection before every benchmark run marks only that group's heap")
)

// Package-level inputs and sinks: the compiler can neither fold the inputs nor drop the results.
var (
	x, y        int64 = 1, 2
	sinkInt     int64
	sinkUser    *usermanager.User
	sinkView    rustcgo.UserView
	sinkGroups  []string
	sinkGroupsV rustcgo.GroupsView
	sinkUsers   []*usermanager.User
	sinkCount   int
)

//go:noinline
func nativeAdd(a, b int64) int64 { return a + b }

// BenchmarkAdd: Go native, Go plugin, and Go -> cgo -> C / Rust, plain and nocallback. Each loop
// calls its function directly (not through a func value, which would add an indirect call to the
// very thing measured); only the Go plugin's Add is a func value, as plugin.Lookup gives it.
func BenchmarkAdd(b *testing.B) {
	pluginAdd := thePlugin(b).Add
	b.Run("native", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = nativeAdd(x, y)
		}
	})
	b.Run("goplugin", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = pluginAdd(x, y)
		}
	})
	b.Run("cgo-c", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = cadd.Add(x, y)
		}
	})
	b.Run("cgo-c-nocallback", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = cadd.AddNoCallback(x, y)
		}
	})
	b.Run("cgo", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = rustcgo.PlainAdd(x, y)
		}
	})
	b.Run("cgo-nocallback", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = rustcgo.Add(x, y)
		}
	})
	for _, path := range []struct {
		name    string
		options wasm.Options
	}{{"wasm", wasm.Options{}}, {"wasm-deadline", wasm.Options{CallTimeout: time.Second}}} {
		// Compiled once, outside the timed function (which the framework calls for each b.N).
		m, err := wasm.OpenDemo(userManagerWasm, path.options)
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		benchAdd(b, path.name, m.Add)
	}
	m, err := process.Open(userManagerLibrary, "", process.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	benchAdd(b, "process", m.Add)
}

// benchAdd times an Add that can fail (a sandbox's, a server's), and checks its last answer.
func benchAdd(b *testing.B, name string, add func(a, b int64) (int64, error)) {
	b.Run(name, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt, _ = add(x, y)
		}
		if sinkInt != x+y {
			b.Fatalf("%s Add(%d, %d) = %d", name, x, y, sinkInt)
		}
	})
}

// dataset is one user file loaded by every implementation, with keys drawn from it.
type dataset struct {
	users    int
	managers map[string]usermanager.Manager // by path name: native-shared, cgo-owned, ...
	rust     rustcgo.Manager                // the cgo paths' manager, for the bare calls
	keys     *[workload.Count]workload.Key
	// cacheBytesPerUser is what the shared contract's Go copies cost: heap bytes per user once
	// every user has been asked for.
	cacheBytesPerUser float64
}

var loaded = map[int]*dataset{}

// datasets loads (once per test binary) the data sets of -users.
func datasets(b *testing.B) []*dataset {
	return workload.Loaded(b, *usersFlag, loaded, func(n int) *dataset { return load(b, n) })
}

func load(b *testing.B, n int) *dataset {
	d := &dataset{users: n, managers: map[string]usermanager.Manager{}}
	// gen-users writes the demo users for n = 4, and every size's key schedule.
	path := workload.DataFileFor(b, genUsers, *dataDirFlag, n)
	var err error
	if d.keys, err = workload.Keys(path); err != nil {
		b.Fatal(err)
	}
	which := "every implementation"
	if *basesFlag != "" {
		which = *basesFlag
	}
	fmt.Fprintf(os.Stderr, "go-interop: loading %d users into %s\n", n, which)
	for _, base := range bases(b) {
		if base.owned && n > maxUsersOwned || !selected(base.name) {
			continue
		}
		var m usermanager.Manager
		start := time.Now()
		if scan, ok := d.managers["native-shared"].(*native.Manager); ok && base.name == "native-indexed" {
			m = scan.Indexed() // the users Go native decoded: the file is not decoded again
		} else if m, err = base.open(path); err != nil {
			b.Fatal(err)
		}
		if n > 10000 { // a step long enough to say
			fmt.Fprintf(os.Stderr, "go-interop: %s loaded %d users in %.1f s\n", base.name, n, time.Since(start).Seconds())
		}
		if base.owned {
			d.managers[base.name] = m
			continue
		}
		d.managers[base.name+"-shared"] = m
		d.managers[base.name+"-owned"] = usermanager.Owned(m)
	}
	if scan := d.managers["native-shared"]; scan != nil { // a cheap count, where Go native is loaded
		if all, err := scan.FindUsers(""); err != nil || len(all) != n {
			b.Fatalf("%s: %d users, %v", path, len(all), err)
		}
	}
	if rust, ok := d.managers["cgo-shared"].(rustcgo.Manager); ok {
		d.rust = rust
		if n <= maxUsersCacheMetric {
			d.cacheBytesPerUser = sharedCacheBytesPerUser(b, path, n)
		}
	}
	// The loading's garbage (a Wasm load reads the whole file into Go memory: 350 MB at 10^6 users)
	// goes back to the OS now, not by the scavenger during the first benchmarks, on their CPU.
	debug.FreeOSMemory()
	return d
}

// maxUsersCacheMetric bounds the data sets whose shared-cache footprint is measured: the
// measurement loads a second copy, which its cleanup frees after a later collection, on the
// benchmarks' CPU; at 10^6 users that teardown ran during the first benchmarks (GetUser through
// cgo measured 1-3.5 us there, 0.35 us without it). The bytes per user do not depend on the size.
const maxUsersCacheMetric = 10000

// baseOf is the base a path reaches the user manager through: its name without the contract.
func baseOf(path string) string {
	for _, contract := range []string{"-shared", "-owned", "-view"} {
		if base, ok := strings.CutSuffix(path, contract); ok {
			return base
		}
	}
	return path
}

// selected says whether -bases asks for the base of that name (every base when it is empty).
func selected(base string) bool {
	return *basesFlag == "" || slices.Contains(strings.Split(*basesFlag, ","), base)
}

// sharedCacheBytesPerUser opens the file again with rustcgo and measures the Go heap that its
// shared answers hold once every user has been asked for (the slot array included).
func sharedCacheBytesPerUser(b *testing.B, path string, n int) float64 {
	heap := func() uint64 {
		var stats runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&stats)
		return stats.HeapAlloc
	}
	before := heap()
	m, err := rustcgo.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	if users, err := m.FindUsers(""); err != nil || len(users) != n {
		b.Fatalf("FindUsers(\"\") on %s: %d users, %v", path, len(users), err)
	}
	after := heap()
	runtime.KeepAlive(m)
	return (float64(after) - float64(before)) / float64(n) // signed: a collection may free more than the cache takes
}

// paths are the benchmarked paths in report order; "cgo-view" is the bare cgo call, whose answer
// stays in Rust memory.
var paths = []string{"native-shared", "native-owned", "native-indexed-shared", "goplugin-shared", "goplugin-owned", "cgo-shared", "cgo-owned", "cgo-view",
	"wasm-shared", "wasm-owned", "process-shared", "process-owned", "hashicorp-netrpc", "hashicorp-grpc"}

// maxUsersOwned bounds the data sets the hashicorp paths load: each holds its own copy of the
// users in a plugin process of its own, and a transport's cost does not grow with the users
// (the scan behind it is Go native's, measured beside it at every size).
const maxUsersOwned = 10000

// benchMethod times one method on every path and data set, asking for the drawn keys in turn:
// call through usermanager.Manager, view as the bare cgo call.
func benchMethod(b *testing.B, call func(usermanager.Manager, *workload.Key), view func(rustcgo.Manager, *workload.Key)) {
	for _, path := range paths {
		// Not even started when -bases leaves its base out: every benchmark, skipped or not,
		// begins with a collection of the whole heap.
		if !selected(baseOf(path)) {
			continue
		}
		b.Run(path, func(b *testing.B) {
			for _, d := range datasets(b) {
				b.Run(strconv.Itoa(d.users), func(b *testing.B) {
					if path == "cgo-view" {
						if d.rust.UserManager == nil {
							b.Skipf("cgo is not loaded with %d users", d.users)
						}
						for i := 0; i < b.N; i++ {
							view(d.rust, &d.keys[i&workload.Mask])
						}
						return
					}
					m := d.managers[path]
					if m == nil {
						b.Skipf("%s is not loaded with %d users", path, d.users)
					}
					for i := 0; i < b.N; i++ {
						call(m, &d.keys[i&workload.Mask])
					}
					if path == "cgo-shared" && d.users <= maxUsersCacheMetric {
						b.ReportMetric(d.cacheBytesPerUser, "cache-B/user")
					}
				})
			}
		})
	}
}

func BenchmarkGetUser(b *testing.B) {
	benchMethod(b,
		func(m usermanager.Manager, k *workload.Key) { sinkUser, _ = m.GetUser(k.ID) },
		func(r rustcgo.Manager, k *workload.Key) { sinkView, _ = r.GetUserView(k.ID.OpaqueID, k.ID.Idp) })
}

func BenchmarkGetUserByClaim(b *testing.B) {
	benchMethod(b,
		func(m usermanager.Manager, k *workload.Key) { sinkUser, _ = m.GetUserByClaim("mail", k.Mail) },
		func(r rustcgo.Manager, k *workload.Key) { sinkView, _ = r.GetUserByClaimView("mail", k.Mail) })
}

func BenchmarkGetUserGroups(b *testing.B) {
	benchMethod(b,
		func(m usermanager.Manager, k *workload.Key) { sinkGroups, _ = m.GetUserGroups(k.ID) },
		func(r rustcgo.Manager, k *workload.Key) {
			sinkGroupsV, _ = r.GetUserGroupsView(k.ID.OpaqueID, k.ID.Idp)
		})
}

func BenchmarkFindUsers(b *testing.B) {
	var views [16]rustcgo.UserView
	benchMethod(b,
		func(m usermanager.Manager, k *workload.Key) { sinkUsers, _ = m.FindUsers(k.Query) },
		func(r rustcgo.Manager, k *workload.Key) { sinkCount, _ = r.FindUsersView(k.Query, views[:]) })
}

// batchSizes are the keys per call of the batch sweep: 1 to workload.Count, each dividing it.
var batchSizes = []int{1, 4, 16, 64, 256, 1024}

// BenchmarkGetUsers is GetUser for many keys in one cgo call (GetUsers), for each batch size:
// ns/op is per answer, so each row compares with GetUser's per call. The keys are the drawn keys
// in turn, as every path asks for them, at any idp (a batch takes one idp; the drawn keys' ids
// are unique, so the answers are GetUser's).
func BenchmarkGetUsers(b *testing.B) {
	for _, size := range batchSizes {
		b.Run(fmt.Sprintf("batch-%d", size), func(b *testing.B) {
			for _, d := range datasets(b) {
				b.Run(strconv.Itoa(d.users), func(b *testing.B) {
					if d.rust.UserManager == nil {
						b.Skipf("cgo is not loaded with %d users", d.users)
					}
					var ids [workload.Count]string
					for i, key := range d.keys {
						ids[i] = key.ID.OpaqueID
					}
					answers := make([]*usermanager.User, size)
					if err := d.rust.GetUsers(ids[:size], "", answers); err != nil || answers[0] == nil || answers[0].ID.OpaqueID != ids[0] {
						b.Fatalf("GetUsers(%q...): %v, %v", ids[0], answers[0], err)
					}
					b.ResetTimer()
					for i := 0; i < b.N; i += size {
						start := i & workload.Mask // size divides Count: the window never wraps
						if err := d.rust.GetUsers(ids[start:start+size], "", answers); err != nil {
							b.Fatal(err)
						}
					}
					sinkUser = answers[size-1]
				})
			}
		})
	}
}
