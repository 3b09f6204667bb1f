package rustcgo

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"rustplugin/go-interop/usermanager"
)

// TestBatchAnswersAsGetUser: GetUsers answers each key as GetUser does, with the same shared
// values, nil where GetUser fails with ErrNotFound.
func TestBatchAnswersAsGetUser(t *testing.T) {
	m, err := NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"marie", "4c510ada-c86b-4815-8820-42cdf82c3d51", "nobody", "", "richard", "einstein", "ünïcode", strings.Repeat("x", 5000)}
	for _, idp := range []string{"", "cernbox.cern.ch", "nowhere"} {
		answers := make([]*usermanager.User, len(keys))
		for i := range answers {
			answers[i] = &usermanager.User{} // stale values: each must be overwritten
		}
		if err := m.GetUsers(keys, idp, answers); err != nil {
			t.Fatalf("idp %q: %v", idp, err)
		}
		for i, key := range keys {
			single, err := m.GetUser(key, idp)
			if errors.Is(err, usermanager.ErrNotFound) {
				single = nil
			} else if err != nil {
				t.Fatalf("GetUser(%q, %q): %v", key, idp, err)
			}
			if answers[i] != single {
				t.Errorf("idp %q key %q: batch %v, GetUser %v", idp, key, answers[i], single)
			}
		}
	}
	if err := m.GetUsers(nil, "", nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
}

func TestBatchRefusesBadArguments(t *testing.T) {
	m, err := NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	err = m.GetUsers([]string{"marie", "richard"}, "", make([]*usermanager.User, 1))
	if !errors.Is(err, usermanager.ErrInvalidArgument) {
		t.Errorf("two keys, one answer: %v", err)
	}
	err = m.GetUsers([]string{"marie", "ein\xffstein"}, "", make([]*usermanager.User, 2))
	if !errors.Is(err, usermanager.ErrInvalidUTF8) || !strings.Contains(err.Error(), "opaque_ids") {
		t.Errorf("a key that is not UTF-8: %v", err)
	}
	m.Close()
	if err := m.GetUsers([]string{"marie"}, "", make([]*usermanager.User, 1)); !errors.Is(err, usermanager.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestBatchesConcurrently: goroutines share the pool of packs; each gets its own answers.
func TestBatchesConcurrently(t *testing.T) {
	m, err := NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"einstein", "marie", "richard", "test"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			keys := make([]string, 1+g*37)
			for i := range keys {
				keys[i] = names[(i+g)%len(names)]
			}
			answers := make([]*usermanager.User, len(keys))
			for range 200 {
				if err := m.GetUsers(keys, "", answers); err != nil {
					t.Error(err)
					return
				}
				for i, answer := range answers {
					if answer == nil || answer.Username != keys[i] {
						t.Errorf("goroutine %d key %d: %v for %q", g, i, answer, keys[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
