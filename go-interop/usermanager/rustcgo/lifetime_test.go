package rustcgo

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rustplugin/go-interop/usermanager"
)

// stressSeconds bounds TestLifetimeUnderGC: 3 s by default, RUSTCGO_STRESS_SECONDS to soak longer.
func stressSeconds(t *testing.T) time.Duration {
	if text := os.Getenv("RUSTCGO_STRESS_SECONDS"); text != "" {
		seconds, err := strconv.ParseFloat(text, 64)
		if err != nil {
			t.Fatalf("RUSTCGO_STRESS_SECONDS=%q: %v", text, err)
		}
		return time.Duration(seconds * float64(time.Second))
	}
	return 3 * time.Second
}

// bigUser writes a file of one user whose display name is 8 MiB, so that reading it after its
// manager was freed would hit unmapped or reused memory, not stale bytes that happen to match.
func bigUser(t *testing.T) (path string, want *usermanager.User) {
	want = &usermanager.User{
		ID:          usermanager.UserID{OpaqueID: "big", Idp: "example.org"},
		Username:    "big",
		Mail:        "big@example.org",
		DisplayName: strings.Repeat("Big ", 2<<20),
		Groups:      []string{"large", "heavy"},
	}
	data, err := json.Marshal([]map[string]any{{
		"id":       map[string]string{"opaque_id": want.ID.OpaqueID, "idp": want.ID.Idp},
		"username": want.Username, "mail": want.Mail, "display_name": want.DisplayName, "groups": want.Groups,
	}})
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, want
}

// collectConstantly runs runtime.GC in a loop under GOGC=1 until the test ends.
func collectConstantly(t *testing.T) {
	old := debug.SetGCPercent(1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
		debug.SetGCPercent(old)
	})
}

// TestLifetimeUnderGC drops every reference to managers as a careless caller would, while the
// collector runs constantly: views outliving their manager variable, calls on a manager nobody
// holds. Each answer must be the user's, whole. (Before views held their manager, this failed
// within 0.2 s with "makeslice: len out of range" in UserView.Copy.)
func TestLifetimeUnderGC(t *testing.T) {
	path, want := bigUser(t)
	open := func() Manager {
		m, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	check := func(what string, got *usermanager.User, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got.DisplayName != want.DisplayName || got.Mail != want.Mail || strings.Join(got.Groups, ",") != "large,heavy" {
			t.Fatalf("%s: a different user: display name of %d bytes, mail %q, groups %q",
				what, len(got.DisplayName), got.Mail, got.Groups)
		}
	}
	collectConstantly(t)
	freedBefore := freedUserManagers.Load()
	opened := 0
	for deadline := time.Now().Add(stressSeconds(t)); time.Now().Before(deadline); {
		view, err := open().GetUserView(want.ID.OpaqueID, want.ID.Idp)
		groups, groupsErr := open().GetUserGroupsView(want.ID.OpaqueID, want.ID.Idp)
		opened += 2
		if err != nil || groupsErr != nil {
			t.Fatal(err, groupsErr)
		}
		time.Sleep(time.Millisecond) // collections run while only the views hold the managers
		user, err := view.Copy()
		check("a view held after its manager was dropped", user, err)
		names, err := groups.Copy()
		if err != nil || strings.Join(names, ",") != "large,heavy" {
			t.Fatalf("a groups view held after its manager was dropped: %q, %v", names, err)
		}
		user, err = open().GetUser(want.ID)
		check("GetUser on a manager dropped right after", user, err)
		user, err = usermanager.Owned(open()).GetUserByClaim("mail", want.Mail)
		check("owned GetUserByClaim on a manager dropped right after", user, err)
		found, err := open().FindUsers("BIG")
		opened += 3
		if err != nil || len(found) != 1 {
			t.Fatalf("FindUsers on a manager dropped right after: %d users, %v", len(found), err)
		}
		check("FindUsers on a manager dropped right after", found[0], nil)
	}
	// Nothing leaks: every dropped manager is freed once collected.
	for start := time.Now(); freedUserManagers.Load()-freedBefore < int64(opened); {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%d of %d dropped managers freed after 10 s", freedUserManagers.Load()-freedBefore, opened)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%d managers opened, dropped and freed", opened)
}

// TestClose: after Close, calls and views taken before return ErrClosed; shared answers taken
// before stay valid (they are Go memory); the manager is still freed when dropped.
func TestClose(t *testing.T) {
	path, want := bigUser(t)
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	view, err := m.GetUserView(want.ID.OpaqueID, want.ID.Idp)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := m.GetUserGroupsView(want.ID.OpaqueID, want.ID.Idp)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := m.GetUser(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	m.Close()
	if _, err := view.Copy(); !errors.Is(err, usermanager.ErrClosed) {
		t.Errorf("UserView.Copy after Close: %v, want ErrClosed", err)
	}
	if _, err := view.Shared(); !errors.Is(err, usermanager.ErrClosed) {
		t.Errorf("UserView.Shared after Close: %v, want ErrClosed", err)
	}
	if _, err := groups.Copy(); !errors.Is(err, usermanager.ErrClosed) {
		t.Errorf("GroupsView.Copy after Close: %v, want ErrClosed", err)
	}
	for name, call := range map[string]func() error{
		"GetUser":            func() error { _, err := m.GetUser(want.ID); return err },
		"GetUserByClaim":     func() error { _, err := m.GetUserByClaim("mail", want.Mail); return err },
		"GetUserGroups":      func() error { _, err := m.GetUserGroups(want.ID); return err },
		"FindUsers":          func() error { _, err := m.FindUsers(""); return err },
		"GetUserView":        func() error { _, err := m.GetUserView(want.ID.OpaqueID, want.ID.Idp); return err },
		"GetUserByClaimView": func() error { _, err := m.GetUserByClaimView("mail", want.Mail); return err },
		"GetUserGroupsView":  func() error { _, err := m.GetUserGroupsView(want.ID.OpaqueID, want.ID.Idp); return err },
		"FindUsersView":      func() error { _, err := m.FindUsersView("", nil); return err },
	} {
		if err := call(); !errors.Is(err, usermanager.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if shared.DisplayName != want.DisplayName {
		t.Errorf("a shared answer changed after Close")
	}
	if _, err := (UserView{}).Copy(); !errors.Is(err, usermanager.ErrInvalidArgument) {
		t.Errorf("zero UserView.Copy: %v, want ErrInvalidArgument", err)
	}
}

// TestSharedAnswersAreBuiltOnce: the shared contract returns one Go copy per user, from every
// method, and allocates nothing once it is built.
func TestSharedAnswersAreBuiltOnce(t *testing.T) {
	m, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	einstein := usermanager.UserID{OpaqueID: "einstein"}
	first, err := m.GetUser(einstein)
	if err != nil {
		t.Fatal(err)
	}
	byClaim, _ := m.GetUserByClaim("mail", "einstein@cern.ch")
	found, _ := m.FindUsers("einstein")
	groups, _ := m.GetUserGroups(einstein)
	if byClaim != first || len(found) != 1 || found[0] != first || &groups[0] != &first.Groups[0] {
		t.Errorf("the shared answers are not one copy: %p %p %v", first, byClaim, found)
	}
	for name, call := range map[string]func(){
		"GetUser":        func() { m.GetUser(einstein) },
		"GetUserByClaim": func() { m.GetUserByClaim("username", "einstein") },
		"GetUserGroups":  func() { m.GetUserGroups(einstein) },
	} {
		if allocs := testing.AllocsPerRun(100, call); allocs != 0 {
			t.Errorf("shared %s: %v allocations per call, want 0", name, allocs)
		}
	}
}
