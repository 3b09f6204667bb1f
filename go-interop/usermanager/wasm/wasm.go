// Package wasm is the Rust user manager compiled to Wasm (rustplugin.wasm, built by
// scripts/build-wasm.sh) and run in wazero: the same store as the cgo path, from the same source,
// without cgo and in a sandbox.
//
// A lookup is one call into the guest that returns the user's index; each user is copied into Go
// values once, the first time it is asked for, and every later answer returns that copy (the
// shared contract; usermanager.Owned gives the owned one), exactly as package rustcgo does. Calls
// from several goroutines run in parallel on a pool of instances (wasmplugin), each holding its
// own copy of the store: memory grows with the instances a workload keeps busy.
package wasm

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/wasmplugin"
)

// The exports of a "user-manager" module, in the order of the constants below.
var exports = []wasmplugin.Export{
	wasmplugin.I32("rp_um_load", 1),
	wasmplugin.I32("rp_um_load_demo", 0),
	wasmplugin.I32("rp_um_get_user", 2),
	wasmplugin.I32("rp_um_get_user_by_claim", 2),
	wasmplugin.I32("rp_um_find_users", 1),
	wasmplugin.I32("rp_um_user", 1),
	{Name: "Add", Params: []wasmplugin.ValueType{wasmplugin.I64Type, wasmplugin.I64Type}, Results: []wasmplugin.ValueType{wasmplugin.I64Type}},
}

const (
	opLoad = iota
	opLoadDemo
	opGetUser
	opGetUserByClaim
	opFindUsers
	opUser
	opAdd
)

// MaxDataBytes bounds a user file, as the C API's default (RP_DEFAULT_MAX_FILE_BYTES) does.
const MaxDataBytes = 1 << 30

// Options configure a Manager. A zero field takes wasmplugin's default.
type Options struct {
	// MemoryLimitBytes bounds each instance's memory (each holds the whole store).
	MemoryLimitBytes uint64
	// MaxInstances bounds the instances, hence the calls running at once.
	MaxInstances int
	// CallTimeout, when not 0, bounds each call (wasmplugin's lease): the module is compiled
	// interruptible, and a call past it ends with a wasmplugin.ErrDeadline fault, a few
	// milliseconds late. It costs 0.5 to 2 us a call, and about 40 ns each loop turn in the guest
	// (wasmplugin.Options.Interruptible says why); the user manager's calls are bounded, so the
	// default is none.
	CallTimeout time.Duration
	// LoadTimeout bounds the making of each instance, the data's load included, when CallTimeout
	// is set (DefaultLoadTimeout): a module that loops there is stopped.
	LoadTimeout time.Duration
	// ReserveMemory reserves each instance's memory at MemoryLimitBytes up front (wasmplugin's
	// option): for large data. Growing the memory otherwise reallocates it in the Go heap as the
	// store is built, and each collection that this starts waits for the load's one long call to
	// leave the guest (wazero's compiled code cannot be preempted): 10^6 users loaded in 12.2 s
	// without, 6.6 s with (one CPU). The reservation counts in the Go heap, used or not.
	ReserveMemory bool
}

// DefaultLoadTimeout bounds the first instance's load: 10^6 users load in a few seconds here.
const DefaultLoadTimeout = time.Minute

// Manager is the Rust user manager in Wasm. Any number of goroutines may use it at once.
type Manager struct {
	module *wasmplugin.Module
	// shared[i] is user i as Go values, built on first use.
	shared []atomic.Pointer[usermanager.User]
	closed atomic.Bool
}

// Error is a status the plugin returned (rp_common.h's codes) with its message.
type Error = wasmplugin.CallError

// OpenDemo runs the module at modulePath on the built-in demo users.
func OpenDemo(modulePath string, options Options) (*Manager, error) {
	return open(modulePath, nil, options)
}

// Open runs the module at modulePath on the reva JSON user file at dataPath (a regular file of
// at most MaxDataBytes). Every instance loads it; the bytes are kept for the instances to come.
func Open(modulePath, dataPath string, options Options) (*Manager, error) {
	data, err := readData(dataPath)
	if err != nil {
		return nil, err
	}
	return open(modulePath, data, options)
}

func readData(path string) ([]byte, error) {
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", usermanager.ErrIO, err)
	}
	defer file.Close()
	if info, err := file.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", usermanager.ErrIO, path)
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxDataBytes+1))
	if err == nil && len(data) > MaxDataBytes {
		err = fmt.Errorf("over the limit of %d bytes", MaxDataBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", usermanager.ErrIO, path, err)
	}
	return data, nil
}

func open(modulePath string, data []byte, options Options) (*Manager, error) {
	ctx := context.Background()
	loadTimeout := time.Duration(0)
	if options.CallTimeout > 0 { // the module is interruptible: its loads can be stopped
		loadTimeout = cmp.Or(options.LoadTimeout, DefaultLoadTimeout)
	}
	init := func(ctx context.Context, in *wasmplugin.Instance) error {
		if data == nil {
			_, err := in.Call(ctx, opLoadDemo)
			return mapError(err)
		}
		input, err := in.Input(ctx, len(data))
		if err != nil {
			return err
		}
		copy(input, data)
		_, err = in.Call(ctx, opLoad, uint64(len(data)))
		return mapError(err)
	}
	module, err := wasmplugin.Load(ctx, modulePath, "user-manager", exports, wasmplugin.Options{
		MemoryLimitBytes: options.MemoryLimitBytes,
		MaxInstances:     options.MaxInstances,
		CallTimeout:      options.CallTimeout,
		InitTimeout:      loadTimeout,
		ReserveMemory:    options.ReserveMemory,
		Init:             init,
	})
	if err != nil {
		return nil, err
	}
	m := &Manager{module: module}
	// The first instance loads the data: its errors are the caller's, and its count sizes shared.
	in, err := module.Get(ctx)
	if err != nil {
		_ = module.Close(ctx)
		return nil, unwrapInit(err)
	}
	count, err := in.Call(ctx, opFindUsers, 0)
	module.Put(in, err)
	if err == nil && count > maxUsers(module) {
		// The guest's word, checked before anything is sized by it: a user costs the store far
		// more than minUserBytes of the instance's memory.
		err = fmt.Errorf("%w: the plugin claims %d users, more than its memory of %d bytes can hold",
			usermanager.ErrInvalidArgument, count, module.MemoryLimitBytes())
	}
	if err != nil {
		_ = module.Close(ctx)
		return nil, mapError(err)
	}
	m.shared = make([]atomic.Pointer[usermanager.User], count)
	return m, nil
}

// minUserBytes is less than any user costs the store in the guest's memory (its strings, their
// lengths, its index entries): what bounds the user count a guest may claim.
const minUserBytes = 16

// maxUsers is the most users a module's instance can hold.
func maxUsers(module *wasmplugin.Module) int64 {
	return int64(module.MemoryLimitBytes() / minUserBytes)
}

// unwrapInit returns the data's error when the first instance refused it, so that callers can
// errors.Is it with usermanager.ErrParse.
func unwrapInit(err error) error {
	var status *statusError
	if errors.As(err, &status) {
		return status
	}
	return err
}

// statusError is a CallError that also matches the usermanager sentinel of its status.
type statusError struct{ *wasmplugin.CallError }

// Is maps the C statuses (rp_common.h) to the usermanager sentinel errors.
func (e *statusError) Is(target error) bool {
	sentinel := usermanager.ForStatus(int(e.Status))
	return sentinel != nil && target == sentinel
}

func (e *statusError) Unwrap() error { return e.CallError }

func mapError(err error) error {
	if err == nil {
		return nil // before errors.As, whose target would escape: an allocation per call
	}
	var call *wasmplugin.CallError
	if errors.As(err, &call) {
		return &statusError{call}
	}
	return err
}

// Close closes the module: later calls return usermanager.ErrClosed. The Go values of the shared
// contract stay valid.
func (m *Manager) Close() {
	m.closed.Store(true)
	_ = m.module.Close(context.Background())
}

// UserCount is the number of users.
func (m *Manager) UserCount() int { return len(m.shared) }

// Module is the wasmplugin module behind the manager (its instances and faults, for tests).
func (m *Manager) Module() *wasmplugin.Module { return m.module }

// call runs op on an instance with its n arguments (a, then b) laid end to end in the input
// buffer, and returns the instance, which the caller gives back.
func (m *Manager) call(ctx context.Context, op int, n int, a, b string) (int64, *wasmplugin.Instance, error) {
	if m.closed.Load() {
		return 0, nil, usermanager.ErrClosed
	}
	in, err := m.module.Get(ctx)
	if err != nil {
		return 0, nil, err
	}
	input, err := in.Input(ctx, len(a)+len(b))
	if err != nil {
		m.module.Put(in, err)
		return 0, nil, err
	}
	copy(input[copy(input, a):], b)
	var value int64
	if n == 1 {
		value, err = in.Call(ctx, op, uint64(len(a)))
	} else {
		value, err = in.Call(ctx, op, uint64(len(a)), uint64(len(b)))
	}
	return value, in, mapError(err)
}

// user returns the shared Go copy of user index, reading it from in (which the caller holds) the
// first time.
func (m *Manager) user(ctx context.Context, in *wasmplugin.Instance, index int64) (*usermanager.User, error) {
	if uint64(index) >= uint64(len(m.shared)) {
		return nil, &wasmplugin.Fault{Kind: wasmplugin.ErrTrap, Message: fmt.Sprintf(
			"the plugin answered user %d of %d", index, len(m.shared))}
	}
	slot := &m.shared[index]
	if user := slot.Load(); user != nil {
		return user, nil
	}
	if _, err := in.Call(ctx, opUser, uint64(index)); err != nil {
		return nil, mapError(err)
	}
	user, err := usermanager.DecodeRecord(in.Result())
	if err != nil {
		return nil, err
	}
	if !slot.CompareAndSwap(nil, user) {
		user = slot.Load()
	}
	return user, nil
}

// lookup runs a lookup that answers an index and returns the shared user.
func (m *Manager) lookup(op int, a, b string) (*usermanager.User, error) {
	ctx := context.Background()
	index, in, err := m.call(ctx, op, 2, a, b)
	if in == nil {
		return nil, err
	}
	var user *usermanager.User
	if err == nil {
		user, err = m.user(ctx, in, index)
	}
	m.module.Put(in, err)
	return user, err
}

// GetUser implements usermanager.Manager under the shared contract.
func (m *Manager) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	return m.lookup(opGetUser, id.OpaqueID, id.Idp)
}

// GetUserByClaim implements usermanager.Manager under the shared contract.
func (m *Manager) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	return m.lookup(opGetUserByClaim, claim, value)
}

// GetUserGroups implements usermanager.Manager under the shared contract: the groups of the
// shared user, which the caller must not modify.
func (m *Manager) GetUserGroups(id usermanager.UserID) ([]string, error) {
	return usermanager.GroupsOf(m.GetUser, id)
}

// FindUsers implements usermanager.Manager under the shared contract: the list is the caller's,
// the users in it are shared.
func (m *Manager) FindUsers(query string) ([]*usermanager.User, error) {
	ctx := context.Background()
	count, in, err := m.call(ctx, opFindUsers, 1, query, "")
	if in == nil {
		return nil, err
	}
	var users []*usermanager.User
	var indices []byte
	if err == nil {
		// The count and the indices are the guest's: checked against what the host owns (its user
		// count, the result's length) before anything is sized by them.
		indices = in.Result()
		if count > int64(len(m.shared)) || int64(len(indices)) != 4*count {
			err = &wasmplugin.Fault{Kind: wasmplugin.ErrTrap, Message: fmt.Sprintf(
				"the plugin answered %d matches in %d bytes, of %d users", count, len(indices), len(m.shared))}
		}
	}
	if err == nil {
		// Decode the indices first: reading a user replaces the result.
		found := make([]int64, count)
		for i := range found {
			found[i] = int64(binary.LittleEndian.Uint32(indices[4*i:]))
		}
		users = make([]*usermanager.User, count)
		for i := range users {
			if err == nil {
				users[i], err = m.user(ctx, in, found[i]) // checks the index
			}
		}
	}
	m.module.Put(in, err)
	if err != nil {
		return nil, err
	}
	return users, nil
}

// Add calls the module's Add.
func (m *Manager) Add(a, b int64) (int64, error) {
	if m.closed.Load() {
		return 0, usermanager.ErrClosed
	}
	ctx := context.Background()
	in, err := m.module.Get(ctx)
	if err != nil {
		return 0, err
	}
	sum, err := in.CallRaw(ctx, opAdd, uint64(a), uint64(b))
	m.module.Put(in, err)
	return int64(sum), err
}

var _ usermanager.Manager = (*Manager)(nil)
