// Package process is the Rust plugin's UserManager out of process: librustplugin.so loaded by
// rp-plugin-server, called through package procplugin (shared memory, futex wake-ups). A crash of
// the plugin kills the server, not the caller: the calls in it fail with procplugin.ErrDied, and
// the server is restarted.
//
// The usermanager.Manager methods answer under the shared contract, as the other bindings do: the
// server answers a user's index in file order with its record, and each user is decoded into Go
// values once, the first time it is asked for; later answers return that copy without
// allocating. usermanager.Owned gives the owned contract.
package process

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"rustplugin/go-interop/procplugin"
	"rustplugin/go-interop/usermanager"
)

// DefaultCallTimeout bounds a call when Options.CallTimeout is 0.
const DefaultCallTimeout = 5 * time.Second

// DefaultStartTimeout bounds a server's start when Options.StartTimeout is 0: longer than
// procplugin's default, since the server loads the whole user file before it serves (10^6
// generated users took over 5 s on a 2-core VM with the host loading its own copies meanwhile).
const DefaultStartTimeout = time.Minute

// Options of Open, beyond procplugin's.
type Options struct {
	procplugin.Options
	// CallTimeout is each call's deadline (DefaultCallTimeout).
	CallTimeout time.Duration
}

// Manager is a user manager in its own process. Its methods may be called from any goroutine.
type Manager struct {
	client  *procplugin.Client
	shared  []atomic.Pointer[usermanager.User]
	timeout time.Duration
}

// Open starts rp-plugin-server with the user manager plugin at plugin and the users of usersFile
// ("" for the demo users). options.Plugin, Kind and Config are set from the arguments.
func Open(plugin, usersFile string, options Options) (*Manager, error) {
	options.Plugin, options.Kind, options.Config = plugin, procplugin.UserManager, usersFile
	if options.StartTimeout == 0 {
		options.StartTimeout = DefaultStartTimeout
	}
	client, err := procplugin.Start(options.Options)
	if err != nil {
		return nil, mapError(err)
	}
	m := &Manager{client: client, timeout: options.CallTimeout}
	if m.timeout == 0 {
		m.timeout = DefaultCallTimeout
	}
	var count uint32
	err = client.Call(procplugin.OpUserCount, nil, m.timeout, func(response []byte) error {
		if len(response) != 4 {
			return fmt.Errorf("%w: a user count of %d bytes", usermanager.ErrInvalidArgument, len(response))
		}
		count = binary.LittleEndian.Uint32(response)
		return nil
	})
	if err != nil {
		client.Close()
		return nil, mapError(err)
	}
	m.shared = make([]atomic.Pointer[usermanager.User], count)
	return m, nil
}

// Client is the supervised server, for its restarts and process id.
func (m *Manager) Client() *procplugin.Client { return m.client }

// Close stops the server. Later calls return usermanager.ErrClosed; users already returned stay
// valid (they are Go memory).
func (m *Manager) Close() { m.client.Close() }

// UserCount is the number of users loaded.
func (m *Manager) UserCount() int { return len(m.shared) }

// statusError is a failed call, matched against usermanager's errors and procplugin's.
type statusError struct{ *procplugin.CallError }

func (e *statusError) Is(target error) bool {
	sentinel := usermanager.ForStatus(e.Status)
	return (sentinel != nil && target == sentinel) || e.CallError.Is(target)
}

func (e *statusError) Unwrap() error { return e.CallError }

func mapError(err error) error {
	if err == nil {
		return nil // before errors.As, whose target would escape: an allocation per call
	}
	if errors.Is(err, procplugin.ErrClosed) {
		return usermanager.ErrClosed
	}
	var call *procplugin.CallError
	if errors.As(err, &call) {
		return &statusError{call}
	}
	return err
}

// stringsRequest lays out strings as the operations take them: a little-endian uint32 length for
// each, then their bytes. It appends to buffer (a caller's stack array when they fit).
func stringsRequest(buffer []byte, strings ...string) []byte {
	for _, s := range strings {
		buffer = binary.LittleEndian.AppendUint32(buffer, uint32(len(s)))
	}
	for _, s := range strings {
		buffer = append(buffer, s...)
	}
	return buffer
}

// user returns the shared user of an answer: index, then record (decoded the first time).
func (m *Manager) user(answer []byte) (*usermanager.User, error) {
	index, err := m.index(answer)
	if err != nil {
		return nil, err
	}
	slot := &m.shared[index]
	if user := slot.Load(); user != nil {
		return user, nil
	}
	user, err := usermanager.DecodeRecord(answer[4:])
	if err != nil {
		return nil, err
	}
	if !slot.CompareAndSwap(nil, user) {
		user = slot.Load()
	}
	return user, nil
}

// index reads the user index an answer starts with, checked against the users.
func (m *Manager) index(answer []byte) (int, error) {
	if len(answer) < 4 {
		return 0, fmt.Errorf("%w: an answer of %d bytes", usermanager.ErrInvalidArgument, len(answer))
	}
	index := binary.LittleEndian.Uint32(answer)
	if int64(index) >= int64(len(m.shared)) {
		return 0, fmt.Errorf("%w: the server answered user %d of %d", usermanager.ErrInvalidArgument, index, len(m.shared))
	}
	return int(index), nil
}

// lookup runs a lookup answered by the user's index (OpGetUserIndex, OpGetUserByClaimIndex): the
// server moves 4 bytes, and the user's record only the first time this manager meets it.
func (m *Manager) lookup(op uint32, a, b string) (*usermanager.User, error) {
	var request, answer [256]byte
	n, err := m.client.CallCopy(op, stringsRequest(request[:0], a, b), m.timeout, answer[:])
	if err != nil {
		return nil, mapError(err)
	}
	if n != 4 {
		return nil, fmt.Errorf("%w: an index of %d bytes", usermanager.ErrInvalidArgument, n)
	}
	index, err := m.index(answer[:n])
	if err != nil {
		return nil, err
	}
	if user := m.shared[index].Load(); user != nil {
		return user, nil
	}
	return m.fetch(index)
}

// fetch asks the server for user index's record, and keeps it as the user's shared values.
func (m *Manager) fetch(index int) (*usermanager.User, error) {
	var user *usermanager.User
	request := binary.LittleEndian.AppendUint32(nil, uint32(index))
	err := m.client.Call(procplugin.OpUser, request, m.timeout, func(answer []byte) (err error) {
		user, err = usermanager.DecodeRecord(answer)
		return err
	})
	if err != nil {
		return nil, mapError(err)
	}
	if !m.shared[index].CompareAndSwap(nil, user) {
		user = m.shared[index].Load()
	}
	return user, nil
}

// GetUser implements usermanager.Manager under the shared contract.
func (m *Manager) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	return m.lookup(procplugin.OpGetUserIndex, id.OpaqueID, id.Idp)
}

// GetUserByClaim implements usermanager.Manager under the shared contract.
func (m *Manager) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	return m.lookup(procplugin.OpGetUserByClaimIndex, claim, value)
}

// GetUserGroups implements usermanager.Manager under the shared contract: the groups of the
// shared user, which the caller must not modify.
func (m *Manager) GetUserGroups(id usermanager.UserID) ([]string, error) {
	return usermanager.GroupsOf(m.GetUser, id)
}

// FindUsers implements usermanager.Manager under the shared contract: the list is the caller's,
// the users in it are shared.
func (m *Manager) FindUsers(query string) ([]*usermanager.User, error) {
	var buffer [256]byte
	var users []*usermanager.User
	err := m.client.Call(procplugin.OpFindUsers, stringsRequest(buffer[:0], query), m.timeout, func(answer []byte) error {
		if len(answer) < 4 {
			return fmt.Errorf("%w: an answer of %d bytes", usermanager.ErrInvalidArgument, len(answer))
		}
		count := binary.LittleEndian.Uint32(answer)
		if int64(count) > int64(len(m.shared)) {
			return fmt.Errorf("%w: the server found %d of %d users", usermanager.ErrInvalidArgument, count, len(m.shared))
		}
		users = make([]*usermanager.User, count)
		rest := answer[4:]
		for i := range users {
			if len(rest) < 8 {
				return fmt.Errorf("%w: the server's answer is cut short", usermanager.ErrInvalidArgument)
			}
			n := int(binary.LittleEndian.Uint32(rest))
			if n > len(rest)-8 {
				return fmt.Errorf("%w: a record of %d bytes past the answer", usermanager.ErrInvalidArgument, n)
			}
			user, err := m.user(rest[4 : 8+n])
			if err != nil {
				return err
			}
			users[i], rest = user, rest[8+n:]
		}
		return nil
	})
	if err != nil {
		return nil, mapError(err)
	}
	return users, nil
}

// Add calls the plugin's Add in the server.
func (m *Manager) Add(a, b int64) (int64, error) {
	var request [16]byte
	binary.LittleEndian.PutUint64(request[:], uint64(a))
	binary.LittleEndian.PutUint64(request[8:], uint64(b))
	var sum int64
	err := m.client.Call(procplugin.OpAdd, request[:], m.timeout, func(answer []byte) error {
		if len(answer) != 8 {
			return fmt.Errorf("%w: a sum of %d bytes", usermanager.ErrInvalidArgument, len(answer))
		}
		sum = int64(binary.LittleEndian.Uint64(answer))
		return nil
	})
	return sum, mapError(err)
}

var _ usermanager.Manager = (*Manager)(nil)
