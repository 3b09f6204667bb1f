// Package conformance runs one test suite against the three UserManager implementations (Go
// native, the Go plugin, the Rust plugin through cgo), each under the shared and the owned
// contract, and checks that they give the same answers, errors included, and keep their contract;
// and it benchmarks them side by side (bench_test.go).
package conformance

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"rustplugin/go-interop/add/cadd"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/rustcgo"
)

var einstein = usermanager.UserID{OpaqueID: "4c510ada-c86b-4815-8820-42cdf82c3d51", Idp: "cernbox.cern.ch"}

// errorKind names the usermanager sentinel an error matches, so errors compare across implementations.
func errorKind(err error) string {
	if err == nil {
		return "ok"
	}
	for _, kind := range []error{usermanager.ErrNotFound, usermanager.ErrUnknownClaim, usermanager.ErrInvalidUTF8,
		usermanager.ErrInvalidArgument, usermanager.ErrIO, usermanager.ErrParse} {
		if errors.Is(err, kind) {
			return kind.Error()
		}
	}
	return "unclassified: " + err.Error()
}

// normalized makes nil and empty group lists equal (JSON decoding and cgo copying differ there).
func normalized(u *usermanager.User) *usermanager.User {
	if u == nil {
		return nil
	}
	copy := *u
	if len(copy.Groups) == 0 {
		copy.Groups = nil
	}
	return &copy
}

// answers runs a fixed list of queries and renders every answer, errors as their kind.
func answers(m usermanager.Manager, ids []usermanager.UserID, claims [][2]string, queries []string) []string {
	var out []string
	render := func(call string, value any, err error) {
		out = append(out, fmt.Sprintf("%s -> %s %#v", call, errorKind(err), value))
	}
	for _, id := range ids {
		u, err := m.GetUser(id)
		render(fmt.Sprintf("GetUser(%q)", id), normalized(u), err)
		groups, err := m.GetUserGroups(id)
		if len(groups) == 0 {
			groups = nil
		}
		render(fmt.Sprintf("GetUserGroups(%q)", id), groups, err)
	}
	for _, c := range claims {
		u, err := m.GetUserByClaim(c[0], c[1])
		render(fmt.Sprintf("GetUserByClaim(%q, %q)", c[0], c[1]), normalized(u), err)
	}
	for _, q := range queries {
		users, err := m.FindUsers(q)
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		render(fmt.Sprintf("FindUsers(%q)", q), names, err)
	}
	return out
}

func inputsFor(m usermanager.Manager) ([]usermanager.UserID, [][2]string, []string) {
	all, _ := m.FindUsers("")
	ids := []usermanager.UserID{{OpaqueID: "nobody"}, {OpaqueID: "einstein", Idp: "cesnet.cz"}, {}, {OpaqueID: "ein\xffstein"}}
	claims := [][2]string{{"phone", "1"}, {"", ""}, {"MAIL", "einstein@cern.ch"}, {"mail", "\xc3"}, {"uid", "nobody"}, {"ma\xffil", "x"}}
	queries := []string{"", "einstein", "EINSTEIN", "example", "CURIE", "nobody", "-4", "\xff", "lovelace1"}
	for i, u := range all {
		if i%37 != 0 && i >= 8 {
			continue
		}
		ids = append(ids, u.ID, usermanager.UserID{OpaqueID: u.Username}, usermanager.UserID{OpaqueID: u.Username, Idp: "example.org"})
		claims = append(claims, [2]string{"mail", u.Mail}, [2]string{"username", u.Username}, [2]string{"uid", u.UID})
		queries = append(queries, strings.ToUpper(u.Username[:3]), u.ID.OpaqueID[9:13])
	}
	return ids, claims, queries
}

func TestConformance(t *testing.T) {
	for _, data := range []struct{ name, path string }{
		{"demo", demoUsersPath},
		{"generated-1000", generated(t, 1000)},
	} {
		t.Run(data.name, func(t *testing.T) {
			var reference []string
			var referenceName string
			var ids []usermanager.UserID
			var claims [][2]string
			var queries []string
			for _, impl := range implementations(t) {
				m, err := impl.open(data.path)
				if err != nil {
					t.Fatalf("%s: open %s: %v", impl.name, data.path, err)
				}
				if reference == nil { // the inputs come from the first implementation's users
					ids, claims, queries = inputsFor(m)
				}
				got := answers(m, ids, claims, queries)
				if reference == nil {
					reference, referenceName = got, impl.name
					continue
				}
				if len(got) != len(reference) {
					t.Fatalf("%s gives %d answers, %s %d", impl.name, len(got), referenceName, len(reference))
				}
				for i := range got {
					if got[i] != reference[i] {
						t.Errorf("%s differs from %s:\n  %s\n  %s", impl.name, referenceName, got[i], reference[i])
					}
				}
			}
			t.Logf("%d answers, the same from every implementation", len(reference))
		})
	}
}

// onDemoData runs test as a subtest per implementation, with the demo data opened.
func onDemoData(t *testing.T, test func(t *testing.T, name string, m usermanager.Manager)) {
	for _, impl := range implementations(t) {
		t.Run(impl.name, func(t *testing.T) {
			m, err := impl.open(demoUsersPath)
			if err != nil {
				t.Fatal(err)
			}
			test(t, impl.name, m)
		})
	}
}

func TestDemoAnswers(t *testing.T) {
	onDemoData(t, func(t *testing.T, _ string, m usermanager.Manager) {
		u, err := m.GetUser(einstein)
		if err != nil || u.Username != "einstein" || u.DisplayName != "Albert Einstein" || u.UID != "123" || u.GID != "987" {
			t.Errorf("GetUser(einstein) = %+v, %v", u, err)
		}
		u, err = m.GetUserByClaim("mail", "einstein@cern.ch")
		if err != nil || u.ID != einstein {
			t.Errorf("GetUserByClaim(mail) = %+v, %v", u, err)
		}
		groups, err := m.GetUserGroups(usermanager.UserID{OpaqueID: "marie"})
		if want := []string{"radium-lovers", "polonium-lovers", "physics-lovers"}; err != nil || !reflect.DeepEqual(groups, want) {
			t.Errorf("GetUserGroups(marie) = %v, %v", groups, err)
		}
		users, err := m.FindUsers("EXAMPLE")
		if err != nil || len(users) != 2 || users[0].Username != "richard" || users[1].Username != "test" {
			t.Errorf("FindUsers(EXAMPLE) = %v, %v", users, err)
		}
		if _, err := m.GetUserByClaim("phone", "1"); !errors.Is(err, usermanager.ErrUnknownClaim) || !strings.Contains(err.Error(), `"phone"`) {
			t.Errorf("GetUserByClaim(phone): %v", err)
		}
		if _, err := m.GetUser(usermanager.UserID{OpaqueID: "nobody"}); !errors.Is(err, usermanager.ErrNotFound) {
			t.Errorf("GetUser(nobody): %v", err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	for _, impl := range implementations(t) {
		if _, err := impl.open("/nonexistent/users.json"); !errors.Is(err, usermanager.ErrIO) {
			t.Errorf("%s: missing file: %v", impl.name, err)
		}
		if _, err := impl.open("conformance_test.go"); !errors.Is(err, usermanager.ErrParse) {
			t.Errorf("%s: not JSON: %v", impl.name, err)
		}
	}
}

// TestContracts: shared answers are the stored values (the same pointer every time); owned answers
// are the caller's to modify, without effect on the next answer.
func TestContracts(t *testing.T) {
	onDemoData(t, func(t *testing.T, name string, m usermanager.Manager) {
		first, err1 := m.GetUser(einstein)
		second, err2 := m.GetUserByClaim("username", "einstein")
		groups, err3 := m.GetUserGroups(einstein)
		found, err4 := m.FindUsers("einstein")
		if err := errors.Join(err1, err2, err3, err4); err != nil || len(found) != 1 {
			t.Fatalf("%v, %d found", err, len(found))
		}
		sameGroups := &groups[0] == &first.Groups[0]
		if strings.HasSuffix(name, "-shared") {
			if first != second || found[0] != first || !sameGroups {
				t.Errorf("shared answers are copies: %p %p %p, same groups %v", first, second, found[0], sameGroups)
			}
			return
		}
		if first == second || found[0] == first || sameGroups || &first.Groups[0] == &second.Groups[0] {
			t.Errorf("owned answers share memory: %p %p %p, same groups %v", first, second, found[0], sameGroups)
		}
		first.DisplayName, first.Groups[0], groups[1], found[0].Groups[2] = "changed", "changed", "changed", "changed"
		again, err := m.GetUser(einstein)
		if err != nil || again.DisplayName != "Albert Einstein" ||
			!reflect.DeepEqual(again.Groups, []string{"sailing-lovers", "violin-haters", "physics-lovers"}) {
			t.Errorf("changing owned answers changed the next one: %+v, %v", again, err)
		}
	})
}

func TestRustViews(t *testing.T) {
	m, err := rustcgo.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if m.UserCount() != 4 {
		t.Errorf("UserCount = %d", m.UserCount())
	}
	view, err := m.GetUserView(einstein.OpaqueID, einstein.Idp)
	if err != nil {
		t.Fatalf("GetUserView: %v", err)
	}
	if u, err := view.Copy(); err != nil || u.Username != "einstein" {
		t.Errorf("UserView.Copy: %+v, %v", u, err)
	}
	shared, err := m.GetUser(einstein)
	if viewShared, viewErr := view.Shared(); err != nil || viewErr != nil || viewShared != shared {
		t.Errorf("UserView.Shared is not GetUser's answer: %v, %v", err, viewErr)
	}
	groups, err := m.GetUserGroupsView(einstein.OpaqueID, einstein.Idp)
	if copied, copyErr := groups.Copy(); err != nil || copyErr != nil || groups.Len() != 3 || copied[1] != "violin-haters" {
		t.Errorf("GetUserGroupsView: %v, %v, %q", err, copyErr, copied)
	}
	views := make([]rustcgo.UserView, 1)
	if n, err := m.FindUsersView("", views); n != 4 || err != nil {
		t.Errorf("FindUsersView with a short buffer: %d, %v", n, err)
	} else if u, err := views[0].Copy(); err != nil || u.Username != "einstein" {
		t.Errorf("FindUsersView's first view: %+v, %v", u, err)
	}
	views = make([]rustcgo.UserView, 40)
	if n, err := m.FindUsersView("", views); n != 4 || err != nil || views[4] != (rustcgo.UserView{}) {
		t.Errorf("FindUsersView with a long buffer: %d, %v", n, err)
	} else if u, err := views[3].Copy(); err != nil || u.Username != "test" {
		t.Errorf("FindUsersView's last view: %+v, %v", u, err)
	}
	var rustErr *usermanager.StatusError
	if _, err := m.GetUser(usermanager.UserID{OpaqueID: "x", Idp: "\xff"}); !errors.As(err, &rustErr) || !strings.Contains(rustErr.Message, "`idp`") {
		t.Errorf("invalid UTF-8 idp: %v", err)
	}
}

func TestAddEveryWay(t *testing.T) {
	p := thePlugin(t)
	for name, add := range map[string]func(int64, int64) int64{
		"native": nativeAdd, "goplugin": p.Add, "cgo-rust": rustcgo.PlainAdd, "cgo-rust-nocallback": rustcgo.Add,
		"cgo-c": cadd.Add, "cgo-c-nocallback": cadd.AddNoCallback,
	} {
		if add(1, 2) != 3 || add(1<<62, 1<<62) != -1<<63 {
			t.Errorf("%s: Add(1, 2) = %d", name, add(1, 2))
		}
	}
}
