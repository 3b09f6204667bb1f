package conformance

import (
	"testing"

	"rustplugin/go-interop/cadd"
	"rustplugin/go-interop/rustcgo"
	"rustplugin/go-interop/usermanager"
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
	einsteinID  = einstein
	claim       = "mail"
	claimValue  = "einstein@cern.ch"
	query       = "einstein"
)

//go:noinline
func nativeAdd(a, b int64) int64 { return a + b }

// BenchmarkAdd: Go native, Go plugin, and Go -> cgo -> C / Rust, plain and nocallback.
func BenchmarkAdd(b *testing.B) {
	p := thePlugin(b)
	for _, path := range []struct {
		name string
		add  func(int64, int64) int64
	}{
		{"native", nil}, // called directly below, not through a func value
		{"goplugin", p.Add},
		{"cgo-c", cadd.Add},
		{"cgo-c-nocallback", cadd.AddNoCallback},
		{"cgo", rustcgo.Add},
		{"cgo-nocallback", rustcgo.AddNoCallback},
	} {
		b.Run(path.name, func(b *testing.B) {
			switch path.name {
			case "native":
				for i := 0; i < b.N; i++ {
					sinkInt = nativeAdd(x, y)
				}
			case "cgo":
				for i := 0; i < b.N; i++ {
					sinkInt = rustcgo.Add(x, y)
				}
			case "cgo-nocallback":
				for i := 0; i < b.N; i++ {
					sinkInt = rustcgo.AddNoCallback(x, y)
				}
			case "cgo-c":
				for i := 0; i < b.N; i++ {
					sinkInt = cadd.Add(x, y)
				}
			case "cgo-c-nocallback":
				for i := 0; i < b.N; i++ {
					sinkInt = cadd.AddNoCallback(x, y)
				}
			default: // the Go plugin's Add is only reachable through the func value plugin.Lookup gives
				add := path.add
				for i := 0; i < b.N; i++ {
					sinkInt = add(x, y)
				}
			}
		})
	}
}

// managers opens the demo data with each implementation, once per benchmark.
func managers(b *testing.B) (map[string]usermanager.Manager, *rustcgo.Manager) {
	b.Helper()
	result := map[string]usermanager.Manager{}
	for _, impl := range implementations(b) {
		m, err := impl.open(demoUsersPath)
		if err != nil {
			b.Fatal(err)
		}
		result[impl.name] = m
	}
	return result, result["rust-cgo"].(*rustcgo.Manager)
}

// The paths of each method: "native" and "goplugin" (reva's Go code), "cgo" (Rust, answer copied
// into Go values), "cgo-view" (Rust, the cgo call alone: the answer stays a view).
var pathNames = map[string]string{"native": "native", "goplugin": "goplugin", "rust-cgo": "cgo"}

func BenchmarkGetUser(b *testing.B) {
	all, rust := managers(b)
	for _, impl := range []string{"native", "goplugin", "rust-cgo"} {
		m := all[impl]
		b.Run(pathNames[impl], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkUser, _ = m.GetUser(einsteinID)
			}
		})
	}
	b.Run("cgo-view", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkView, _ = rust.GetUserView(einsteinID)
		}
	})
}

func BenchmarkGetUserByClaim(b *testing.B) {
	all, rust := managers(b)
	for _, impl := range []string{"native", "goplugin", "rust-cgo"} {
		m := all[impl]
		b.Run(pathNames[impl], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkUser, _ = m.GetUserByClaim(claim, claimValue)
			}
		})
	}
	b.Run("cgo-view", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkView, _ = rust.GetUserByClaimView(claim, claimValue)
		}
	})
}

func BenchmarkGetUserGroups(b *testing.B) {
	all, rust := managers(b)
	for _, impl := range []string{"native", "goplugin", "rust-cgo"} {
		m := all[impl]
		b.Run(pathNames[impl], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkGroups, _ = m.GetUserGroups(einsteinID)
			}
		})
	}
	b.Run("cgo-view", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkGroupsV, _ = rust.GetUserGroupsView(einsteinID)
		}
	})
}

func BenchmarkFindUsers(b *testing.B) {
	all, rust := managers(b)
	for _, impl := range []string{"native", "goplugin", "rust-cgo"} {
		m := all[impl]
		b.Run(pathNames[impl], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkUsers, _ = m.FindUsers(query)
			}
		})
	}
	b.Run("cgo-view", func(b *testing.B) {
		var views [16]rustcgo.UserView
		for i := 0; i < b.N; i++ {
			sinkCount, _ = rust.FindUsersView(query, views[:])
		}
	})
}
