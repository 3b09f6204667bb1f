package conformance

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	userpb "github.com/cs3org/go-cs3apis/cs3/identity/user/v1beta1"
	"github.com/cs3org/reva/pkg/user"

	"rustplugin/go-interop/usermanager/workload"
)

// The flags of go-interop's user manager benchmarks, after -args: which data sets, and where the
// generated ones live (scripts/bench-go.sh passes both binaries the same).
var (
	usersFlag   = flag.String("users", "4", "comma-separated user counts to benchmark: 4 is the demo data, any other a gen-users file")
	dataDirFlag = flag.String("data-dir", "", "folder of the generated files users-N.json (made with gen-users when missing); default: a temporary folder")
)

// Sinks: the compiler cannot drop the results.
var (
	sinkUser   *userpb.User
	sinkGroups []string
	sinkUsers  []*userpb.User
)

// dataset is one user file loaded by every driver, with the keys of go-interop's key schedule.
type dataset struct {
	users   int
	drivers map[string]user.Manager
	// ids are the keys' user ids as reva's messages, made before the timed loops.
	ids  [workload.Count]*userpb.UserId
	keys *[workload.Count]workload.Key
}

var loaded = map[int]*dataset{}

func datasets(b *testing.B) []*dataset {
	return workload.Loaded(b, *usersFlag, loaded, func(n int) *dataset { return load(b, n) })
}

func load(b *testing.B, n int) *dataset {
	path := workload.DataFileFor(b, genUsers, *dataDirFlag, n)
	fmt.Fprintf(os.Stderr, "reva: loading %d users into every driver\n", n)
	d := &dataset{users: n, drivers: map[string]user.Manager{}}
	for _, driver := range drivers(b) {
		if driver.name == "reva-goplugin" && n > maxUsersGoPlugin {
			continue
		}
		m, err := driver.open(path)
		if err != nil {
			b.Fatal(err)
		}
		d.drivers[driver.name] = m
	}
	all, err := d.drivers["reva-native"].FindUsers(ctx, "")
	if err != nil || len(all) != n {
		b.Fatalf("%s: %d users, %v", path, len(all), err)
	}
	if d.keys, err = workload.Keys(path); err != nil {
		b.Fatal(err)
	}
	for i, k := range d.keys {
		d.ids[i] = &userpb.UserId{OpaqueId: k.ID.OpaqueID, Idp: k.ID.Idp}
	}
	return d
}

// maxUsersGoPlugin bounds the data sets the Go plugin loads: past it, reva's scan takes a
// millisecond or more per call, the same in process as in the plugin (the same code), and
// decoding another copy of 10^6 users costs a quarter of a minute per round.
const maxUsersGoPlugin = 10000

// drivers in report order.
var driverNames = []string{"reva-native", "reva-goplugin", "reva-rust"}

// benchMethod times one method of every driver on every data set, asking for the keys in turn.
func benchMethod(b *testing.B, call func(m user.Manager, d *dataset, i int)) {
	for _, name := range driverNames {
		b.Run(name, func(b *testing.B) {
			for _, d := range datasets(b) {
				b.Run(strconv.Itoa(d.users), func(b *testing.B) {
					m := d.drivers[name]
					if m == nil {
						b.Skipf("%s is not loaded with %d users", name, d.users)
					}
					for i := 0; i < b.N; i++ {
						call(m, d, i&workload.Mask)
					}
				})
			}
		})
	}
}

func BenchmarkGetUser(b *testing.B) {
	benchMethod(b, func(m user.Manager, d *dataset, i int) { sinkUser, _ = m.GetUser(ctx, d.ids[i]) })
}

func BenchmarkGetUserByClaim(b *testing.B) {
	benchMethod(b, func(m user.Manager, d *dataset, i int) { sinkUser, _ = m.GetUserByClaim(ctx, "mail", d.keys[i].Mail) })
}

func BenchmarkGetUserGroups(b *testing.B) {
	benchMethod(b, func(m user.Manager, d *dataset, i int) { sinkGroups, _ = m.GetUserGroups(ctx, d.ids[i]) })
}

func BenchmarkFindUsers(b *testing.B) {
	benchMethod(b, func(m user.Manager, d *dataset, i int) { sinkUsers, _ = m.FindUsers(ctx, d.keys[i].Query) })
}
