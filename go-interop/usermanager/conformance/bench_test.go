package conformance

import (
	"testing"

	"rustplugin/go-interop/add/cadd"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/rustcgo"
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
			sinkInt = rustcgo.Add(x, y)
		}
	})
	b.Run("cgo-nocallback", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt = rustcgo.AddNoCallback(x, y)
		}
	})
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

// benchMethod times one method on each path: "native" and "goplugin" (reva's Go code), "cgo"
// (Rust, the answer copied into Go values) and "cgo-view" (Rust, the cgo call alone: the answer
// stays a view).
func benchMethod(b *testing.B, call func(usermanager.Manager), view func(*rustcgo.Manager)) {
	all, rust := managers(b)
	for _, path := range []struct{ name, impl string }{{"native", "native"}, {"goplugin", "goplugin"}, {"cgo", "rust-cgo"}} {
		m := all[path.impl]
		b.Run(path.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				call(m)
			}
		})
	}
	b.Run("cgo-view", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			view(rust)
		}
	})
}

func BenchmarkGetUser(b *testing.B) {
	benchMethod(b,
		func(m usermanager.Manager) { sinkUser, _ = m.GetUser(einsteinID) },
		func(r *rustcgo.Manager) { sinkView, _ = r.GetUserView(einsteinID) })
}

func BenchmarkGetUserByClaim(b *testing.B) {
	benchMethod(b,
		func(m usermanager.Manager) { sinkUser, _ = m.GetUserByClaim(claim, claimValue) },
		func(r *rustcgo.Manager) { sinkView, _ = r.GetUserByClaimView(claim, claimValue) })
}

func BenchmarkGetUserGroups(b *testing.B) {
	benchMethod(b,
		func(m usermanager.Manager) { sinkGroups, _ = m.GetUserGroups(einsteinID) },
		func(r *rustcgo.Manager) { sinkGroupsV, _ = r.GetUserGroupsView(einsteinID) })
}

func BenchmarkFindUsers(b *testing.B) {
	var views [16]rustcgo.UserView
	benchMethod(b,
		func(m usermanager.Manager) { sinkUsers, _ = m.FindUsers(query) },
		func(r *rustcgo.Manager) { sinkCount, _ = r.FindUsersView(query, views[:]) })
}
