package rust_test

import (
	"context"
	"path/filepath"
	"testing"

	userpb "github.com/cs3org/go-cs3apis/cs3/identity/user/v1beta1"
	"github.com/cs3org/reva/pkg/user/manager/registry"

	_ "rustplugin/go-interop/reva/rust"
)

// TestRegistry: a reva build that only blank-imports the package finds the driver as "rust", and
// it reads the json driver's "users" key.
func TestRegistry(t *testing.T) {
	newManager, ok := registry.NewFuncs["rust"]
	if !ok {
		t.Fatalf("reva's registry has no \"rust\" driver: %v", registry.NewFuncs)
	}
	demo := filepath.Join("..", "..", "..", "rust-plugin", "rustplugin", "data", "demo-users.json")
	m, err := newManager(map[string]interface{}{"users": demo})
	if err != nil {
		t.Fatal(err)
	}
	u, err := m.GetUser(context.Background(), &userpb.UserId{OpaqueId: "einstein"})
	if err != nil || u.Mail != "einstein@cern.ch" {
		t.Fatalf("GetUser(einstein) = %v, %v", u, err)
	}
	if _, err := newManager(map[string]interface{}{"users": 42}); err == nil {
		t.Fatal("a configuration whose users key is not a string was accepted")
	}
	if _, err := newManager(map[string]interface{}{"users": filepath.Join(t.TempDir(), "missing.json")}); err == nil {
		t.Fatal("a missing user file was accepted")
	}
}
