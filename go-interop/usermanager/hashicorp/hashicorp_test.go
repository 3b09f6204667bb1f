package hashicorp

import (
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	rpcpb "github.com/cs3org/go-cs3apis/cs3/rpc/v1beta1"
	typespb "github.com/cs3org/go-cs3apis/cs3/types/v1beta1"

	"rustplugin/go-interop/status"
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

// TestCS3Errors: an answer's error comes from the exact status its opaque map carries, else from
// the nearest cs3apis code; a plugin process that sends a status of success beside a failing code,
// or garbage, still fails the call.
func TestCS3Errors(t *testing.T) {
	exact := func(value string) *typespb.Opaque {
		return &typespb.Opaque{Map: map[string]*typespb.OpaqueEntry{statusKey: {Decoder: "plain", Value: []byte(value)}}}
	}
	for _, c := range []struct {
		code   rpcpb.Code
		opaque *typespb.Opaque
		want   error
	}{
		{rpcpb.Code_CODE_INVALID_ARGUMENT, exact(strconv.Itoa(status.UnknownClaim)), usermanager.ErrUnknownClaim},
		{rpcpb.Code_CODE_NOT_FOUND, nil, usermanager.ErrNotFound},
		{rpcpb.Code_CODE_NOT_FOUND, exact("0"), usermanager.ErrNotFound},
		{rpcpb.Code_CODE_INVALID_ARGUMENT, exact("garbage"), usermanager.ErrInvalidArgument},
		{rpcpb.Code_CODE_INTERNAL, nil, nil},
	} {
		err := cs3Error(&rpcpb.Status{Code: c.code, Message: "m"}, c.opaque)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%v with %v: %v, want %v", c.code, c.opaque, err, c.want)
		}
	}
	if err := cs3Error(&rpcpb.Status{Code: rpcpb.Code_CODE_OK}, exact("1")); err != nil {
		t.Errorf("CODE_OK: %v", err)
	}
	if err := cs3Error(nil, nil); err == nil {
		t.Error("an answer without a status succeeded")
	}
}
