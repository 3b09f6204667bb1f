package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	userpb "github.com/cs3org/go-cs3apis/cs3/identity/user/v1beta1"
	"github.com/cs3org/reva/pkg/errtypes"
	"github.com/cs3org/reva/pkg/user"
	"github.com/golang/protobuf/proto" // go-cs3apis of reva v1.7 is generated for protobuf API v1

	"rustplugin/go-interop/usermanager/workload"
)

var ctx = context.Background()

// outcome is one answer of a driver, comparable across drivers: the users (compared with
// proto.Equal), the groups, and the error's type and text.
type outcome struct {
	users  []*userpb.User
	groups []string
	err    string
}

func result(users []*userpb.User, groups []string, err error) outcome {
	o := outcome{users: users, groups: groups}
	if err != nil {
		o.err = fmt.Sprintf("%T %q", err, err.Error())
	}
	return o
}

func (o outcome) equal(p outcome) bool {
	return o.err == p.err && slices.Equal(o.groups, p.groups) &&
		slices.EqualFunc(o.users, p.users, func(a, b *userpb.User) bool { return proto.Equal(a, b) })
}

// questions asks m everything the conformance suite compares, for the users of a data set: every
// lookup of every user (by opaque id and username, with and without the idp, at another idp; by
// each claim), searches, and keys that find nobody (missing, unknown claims, not UTF-8).
func questions(users []*userpb.User) map[string]func(user.Manager) outcome {
	q := map[string]func(user.Manager) outcome{}
	getUser := func(opaqueID, idp string) {
		id := &userpb.UserId{OpaqueId: opaqueID, Idp: idp}
		q[fmt.Sprintf("GetUser(%q, %q)", opaqueID, idp)] = func(m user.Manager) outcome {
			u, err := m.GetUser(ctx, id)
			return result(list(u), nil, err)
		}
		q[fmt.Sprintf("GetUserGroups(%q, %q)", opaqueID, idp)] = func(m user.Manager) outcome {
			groups, err := m.GetUserGroups(ctx, id)
			return result(nil, groups, err)
		}
	}
	byClaim := func(claim, value string) {
		q[fmt.Sprintf("GetUserByClaim(%q, %q)", claim, value)] = func(m user.Manager) outcome {
			u, err := m.GetUserByClaim(ctx, claim, value)
			return result(list(u), nil, err)
		}
	}
	find := func(query string) {
		q[fmt.Sprintf("FindUsers(%q)", query)] = func(m user.Manager) outcome {
			u, err := m.FindUsers(ctx, query)
			return result(u, nil, err)
		}
	}
	for _, u := range users {
		id := u.GetId()
		getUser(id.GetOpaqueId(), id.GetIdp())
		getUser(id.GetOpaqueId(), "")
		getUser(u.Username, "")
		getUser(u.Username, id.GetIdp())
		getUser(id.GetOpaqueId(), "another.idp")
		byClaim("mail", u.Mail)
		byClaim("username", u.Username)
		if uid, ok := u.GetOpaque().GetMap()["uid"]; ok {
			byClaim("uid", string(uid.Value))
		}
		find(u.Username)
		find(strings.ToUpper(id.GetOpaqueId()))
	}
	for _, key := range []string{"nobody", "", "\xff\xfe", "einstein\x00"} {
		getUser(key, "")
		byClaim("mail", key)
		byClaim("uid", key)
		find(key)
	}
	byClaim("gid", "987")
	byClaim("", "einstein")
	byClaim("\xff", "einstein")
	find("lovers") // in no field the search covers: groups are not searched
	find("ein")
	find("@")
	return q
}

func list(u *userpb.User) []*userpb.User {
	if u == nil {
		return nil
	}
	return []*userpb.User{u}
}

// TestConformance: on the demo data and on 1000 generated users, the Rust drop-in and reva's
// json driver as a Go plugin answer every question as reva's json driver in process does:
// proto.Equal users, equal groups, errors of the same errtypes and text.
func TestConformance(t *testing.T) {
	for _, n := range []int{4, 1000} {
		path := workload.DataFileFor(t, genUsers, "", n)
		var reference user.Manager
		for _, d := range drivers(t) {
			m, err := d.open(path)
			if err != nil {
				t.Fatalf("%s on %s: %v", d.name, path, err)
			}
			if reference == nil {
				reference = m // reva-native, the first
				continue
			}
			all, err := reference.FindUsers(ctx, "")
			if err != nil || len(all) != n {
				t.Fatalf("reva-native FindUsers(\"\") on %d users: %d, %v", n, len(all), err)
			}
			qs := questions(all)
			for name, ask := range qs {
				if want, got := ask(reference), ask(m); !want.equal(got) {
					t.Errorf("%d users, %s: %s answers %+v, reva-native %+v", n, name, d.name, got, want)
				}
			}
			t.Logf("%s: %d answers equal to reva-native's on %d users", d.name, len(qs), n)
		}
	}
}

// TestRustDriver: what the json driver does not do: answers shared and built once (the same
// message, no allocation), a nil user id refused instead of a panic, and a file the Rust store
// refuses fails New.
func TestRustDriver(t *testing.T) {
	m, err := open(t, "reva-rust", demoUsersPath)
	if err != nil {
		t.Fatal(err)
	}
	id := &userpb.UserId{OpaqueId: "einstein"}
	first, err := m.GetUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := m.GetUserByClaim(ctx, "mail", "einstein@cern.ch"); again != first {
		t.Fatal("two answers of the same user are two messages")
	}
	for name, call := range map[string]func(){
		"GetUser":        func() { _, _ = m.GetUser(ctx, id) },
		"GetUserByClaim": func() { _, _ = m.GetUserByClaim(ctx, "username", "einstein") },
		"GetUserGroups":  func() { _, _ = m.GetUserGroups(ctx, id) },
	} {
		if allocs := testing.AllocsPerRun(100, call); allocs != 0 {
			t.Errorf("%s allocates %.1f times per call", name, allocs)
		}
	}
	if _, err := m.GetUser(ctx, nil); err == nil || !isBadRequest(err) {
		t.Errorf("GetUser(nil) = %v, want errtypes.BadRequest", err)
	}
	if _, err := m.GetUserGroups(ctx, nil); err == nil || !isBadRequest(err) {
		t.Errorf("GetUserGroups(nil) = %v, want errtypes.BadRequest", err)
	}
	for _, path := range []string{t.TempDir(), "/dev/null/missing", "/dev/zero"} {
		if _, err := open(t, "reva-rust", path); err == nil {
			t.Errorf("reva-rust opened %s", path)
		}
	}
}

func isBadRequest(err error) bool {
	_, ok := err.(errtypes.BadRequest)
	return ok
}

// open opens path with the driver called name.
func open(tb testing.TB, name, path string) (user.Manager, error) {
	tb.Helper()
	for _, d := range drivers(tb) {
		if d.name == name {
			return d.open(path)
		}
	}
	tb.Fatalf("no driver %s", name)
	return nil, nil
}
