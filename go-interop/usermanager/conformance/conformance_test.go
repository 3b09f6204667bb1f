// Package conformance runs one test suite against the three UserManager implementations (Go
// native, the Go plugin, the Rust plugin through cgo) and checks that they give the same answers,
// errors included; and it benchmarks them side by side (bench_test.go).
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

func TestDemoAnswers(t *testing.T) {
	for _, impl := range implementations(t) {
		t.Run(impl.name, func(t *testing.T) {
			m, err := impl.open(demoUsersPath)
			if err != nil {
				t.Fatal(err)
			}
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

func TestRustViewsAndClose(t *testing.T) {
	m, err := rustcgo.NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	if m.UserCount() != 4 {
		t.Errorf("UserCount = %d", m.UserCount())
	}
	view, err := m.GetUserView(einstein)
	if err != nil || view.Username() != "einstein" {
		t.Fatalf("GetUserView: %v", err)
	}
	groups, err := m.GetUserGroupsView(einstein)
	if err != nil || groups.Len() != 3 || groups.Copy()[1] != "violin-haters" {
		t.Errorf("GetUserGroupsView: %v", err)
	}
	views := make([]rustcgo.UserView, 1)
	if n, err := m.FindUsersView("", views); n != 4 || err != nil || views[0].Username() != "einstein" {
		t.Errorf("FindUsersView with a short buffer: %d, %v", n, err)
	}
	var rustErr *rustcgo.Error
	if _, err := m.GetUser(usermanager.UserID{OpaqueID: "x", Idp: "\xff"}); !errors.As(err, &rustErr) || !strings.Contains(rustErr.Message, "`idp`") {
		t.Errorf("invalid UTF-8 idp: %v", err)
	}
	m.Close()
	m.Close()
}

func TestAddEveryWay(t *testing.T) {
	p := thePlugin(t)
	for name, add := range map[string]func(int64, int64) int64{
		"native": nativeAdd, "goplugin": p.Add, "cgo-rust": rustcgo.Add, "cgo-rust-nocallback": rustcgo.AddNoCallback,
		"cgo-c": cadd.Add, "cgo-c-nocallback": cadd.AddNoCallback,
	} {
		if add(1, 2) != 3 || add(1<<62, 1<<62) != -1<<63 {
			t.Errorf("%s: Add(1, 2) = %d", name, add(1, 2))
		}
	}
}
