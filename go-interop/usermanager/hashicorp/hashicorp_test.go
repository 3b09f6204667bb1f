package hashicorp

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"rustplugin/go-interop/usermanager"
)

// The answers are the conformance suite's (usermanager/conformance); the faults and recovery
// times are the fault matrix's (gateway); here, the host's side of a plugin process's life.
var (
	pluginBinary = filepath.Join("..", "..", "build", "hashicorp-plugin") // scripts/go-common.sh
	demoUsers    = filepath.Join("..", "..", "..", "rust-plugin", "rustplugin", "data", "demo-users.json")
	einstein     = usermanager.UserID{OpaqueID: "einstein"}
)

func open(t *testing.T, options Options) *Manager {
	t.Helper()
	m, err := Open(pluginBinary, demoUsers, options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func TestOpenRefusesWhatItCannotServe(t *testing.T) {
	if _, err := Open(pluginBinary, demoUsers, Options{Transport: "carrier-pigeon"}); !errors.Is(err, usermanager.ErrInvalidArgument) {
		t.Errorf("an unknown transport: %v", err)
	}
	if _, err := Open("/nonexistent/plugin", demoUsers, Options{Transport: GRPC}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a missing plugin binary: %v", err)
	}
	if _, err := Open(pluginBinary, "/nonexistent/users.json", Options{Transport: NetRPC}); !errors.Is(err, usermanager.ErrIO) {
		t.Errorf("a missing user file: %v", err)
	}
}

func TestACrashRestartsThePluginProcess(t *testing.T) {
	for _, transport := range []Transport{NetRPC, GRPC} {
		t.Run(string(transport), func(t *testing.T) {
			m := open(t, Options{Transport: transport, Faults: true})
			if _, err := m.GetUser(usermanager.UserID{OpaqueID: "fault:abort"}); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("an abort in the plugin process: %v", err)
			}
			if user, err := m.GetUser(einstein); err != nil || user.Username != "einstein" || m.Restarts() != 1 {
				t.Errorf("after the abort: %+v, %v, %d restarts", user, err, m.Restarts())
			}
		})
	}
}

func TestAGRPCCallPastItsDeadlineFails(t *testing.T) {
	m := open(t, Options{Transport: GRPC, Faults: true, CallTimeout: 100 * time.Millisecond})
	if _, err := m.GetUser(usermanager.UserID{OpaqueID: "fault:loop"}); !errors.Is(err, ErrDeadline) {
		t.Fatalf("a loop in the plugin process: %v", err)
	}
	// The loop keeps a goroutine of the plugin process; the others still answer.
	if user, err := m.GetUser(einstein); err != nil || user.Username != "einstein" || m.Restarts() != 0 {
		t.Errorf("after the deadline: %+v, %v, %d restarts", user, err, m.Restarts())
	}
}

func TestCallsAfterCloseFail(t *testing.T) {
	m := open(t, Options{Transport: NetRPC})
	m.Close()
	if _, err := m.FindUsers(""); !errors.Is(err, usermanager.ErrClosed) {
		t.Errorf("FindUsers after Close: %v", err)
	}
}
