// Package rustcgo is the Rust plugin's UserManager for Go, through cgo and the C ABI of
// include/rustplugin.h. It links librustplugin.a (build tag rustplugin_shared: the
// shared library instead).
//
// Strings go in without copies (pointer and length of the Go string's bytes). The
// usermanager.Manager methods answer under the shared contract: each user is copied into Go values
// once, the first time it is asked for, and every later answer returns that copy, with no
// allocation (usermanager.Owned gives the owned contract). The *View methods are the bare calls:
// their answers stay in Rust memory (UserView, GroupsView).
//
// # Lifetimes
//
// Every view holds its Manager, and every method keeps its receiver alive until it is done with
// Rust memory, so the garbage collector cannot free a manager that is still in use. Close marks the
// manager closed: later calls, and views taken before, return usermanager.ErrClosed. The Rust
// memory is freed once nothing refers to the manager any more (the next garbage collection after
// that), so a call racing with Close reads live memory or gets ErrClosed, never freed memory. The
// Go values of the shared contract are Go memory and stay valid after Close.
package rustcgo

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
// The wrappers neither keep Go pointers nor call back into Go; saying so lets cgo leave the Go
// arguments (strings, out-params, the message buffer) on the goroutine's stack (Go 1.24+).
#cgo noescape um_new_demo
#cgo noescape um_new_from_file
#cgo noescape um_get_user
#cgo noescape um_get_user_by_claim
#cgo noescape um_get_user_groups
#cgo noescape um_find_users
#cgo nocallback um_new_demo
#cgo nocallback um_new_from_file
#cgo nocallback um_get_user
#cgo nocallback um_get_user_by_claim
#cgo nocallback um_get_user_groups
#cgo nocallback um_find_users
#cgo noescape rp_user_manager_users
#cgo nocallback rp_user_manager_users
#cgo noescape add_nocallback
#cgo nocallback add_nocallback
#include <string.h>
#include "rustplugin.h"

// The thread's last error message is per OS thread, and Go may move a goroutine to another thread
// right after a cgo call returns. So each wrapper copies the message into the caller's buffer
// within the same C call.
static rp_status um_fail(rp_status status, char *message, size_t capacity) {
	const char *last = rp_last_error_message();
	size_t length = strlen(last);
	if (length >= capacity) length = capacity - 1;
	memcpy(message, last, length);
	message[length] = 0;
	return status;
}

// Add under another name, so that cgo's nocallback/noescape can apply to it and not to Add.
static inline int64_t add_nocallback(int64_t a, int64_t b) { return Add(a, b); }

#define UM_CALL(call) do { rp_status s = (call); return s == RP_OK ? s : um_fail(s, message, capacity); } while (0)

static rp_status um_new_demo(rp_user_manager **out, char *message, size_t capacity) {
	UM_CALL(rp_user_manager_new_demo(out));
}
static rp_status um_new_from_file(rp_str path, rp_user_manager **out, char *message, size_t capacity) {
	UM_CALL(rp_user_manager_new_from_file(path, out));
}
static rp_status um_get_user(const rp_user_manager *m, rp_str id, rp_str idp, const rp_user **out,
                             char *message, size_t capacity) {
	UM_CALL(rp_user_manager_get_user(m, id, idp, out));
}
static rp_status um_get_user_by_claim(const rp_user_manager *m, rp_str claim, rp_str value,
                                      const rp_user **out, char *message, size_t capacity) {
	UM_CALL(rp_user_manager_get_user_by_claim(m, claim, value, out));
}
static rp_status um_get_user_groups(const rp_user_manager *m, rp_str id, rp_str idp, rp_str_list *out,
                                    char *message, size_t capacity) {
	UM_CALL(rp_user_manager_get_user_groups(m, id, idp, out));
}
static rp_status um_find_users(const rp_user_manager *m, rp_str query, const rp_user **users,
                               size_t user_capacity, size_t *count, char *message, size_t capacity) {
	UM_CALL(rp_user_manager_find_users(m, query, users, user_capacity, count));
}
*/
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"rustplugin/go-interop/usermanager"
)

const messageCapacity = 512

// Add calls the Rust Add through a plain cgo call.
func Add(a, b int64) int64 { return int64(C.Add(C.int64_t(a), C.int64_t(b))) }

// AddNoCallback calls the Rust Add through a cgo call marked nocallback and noescape (Go 1.24+),
// which lets the runtime skip the bookkeeping for C calling back into Go.
func AddNoCallback(a, b int64) int64 { return int64(C.add_nocallback(C.int64_t(a), C.int64_t(b))) }

// Manager is a Rust rp_user_manager. It is immutable: any number of goroutines may query it at
// once, and call Close at any time (see the package documentation).
type Manager struct {
	m      *C.rp_user_manager
	closed atomic.Bool
	// first is the address of the manager's user array (rp_user_manager_users): an answer's
	// distance from it is the user's index in shared.
	first uintptr
	// shared[i] is user i as Go values, built on first use.
	shared []atomic.Pointer[usermanager.User]
}

// Error is a status code of the C API with its message.
type Error = usermanager.StatusError

var errZeroView = fmt.Errorf("%w: a zero view, not one a Manager returned", usermanager.ErrInvalidArgument)

type message [messageCapacity]C.char

// error copies the message out. (Not with C.GoString, whose argument escapes: the buffer would then
// be allocated on the heap on every call, failing or not.)
func (m *message) error(status C.rp_status) error {
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&m[0])), len(m))
	if end := bytes.IndexByte(raw, 0); end >= 0 {
		raw = raw[:end]
	}
	return &Error{Status: int(status), Message: string(raw)}
}

// str is a view of s for the duration of one call: no copy, no NUL needed.
func str(s string) C.rp_str {
	return C.rp_str{ptr: (*C.char)(unsafe.Pointer(unsafe.StringData(s))), len: C.size_t(len(s))}
}

// freedManagers counts the Rust managers freed by the garbage collector (read by the tests).
var freedManagers atomic.Int64

// NewDemo returns a manager of the four built-in demo users.
func NewDemo() (*Manager, error) {
	var m *C.rp_user_manager
	var msg message
	if status := C.um_new_demo(&m, &msg[0], messageCapacity); status != C.RP_OK {
		return nil, msg.error(status)
	}
	return newManager(m), nil
}

// Open loads a reva JSON user file.
func Open(path string) (*Manager, error) {
	var m *C.rp_user_manager
	var msg message
	status := C.um_new_from_file(str(path), &m, &msg[0], messageCapacity)
	runtime.KeepAlive(path)
	if status != C.RP_OK {
		return nil, msg.error(status)
	}
	return newManager(m), nil
}

func newManager(m *C.rp_user_manager) *Manager {
	manager := &Manager{
		m:      m,
		first:  uintptr(unsafe.Pointer(C.rp_user_manager_users(m))),
		shared: make([]atomic.Pointer[usermanager.User], C.rp_user_manager_user_count(m)),
	}
	runtime.AddCleanup(manager, func(m *C.rp_user_manager) {
		C.rp_user_manager_free(m)
		freedManagers.Add(1)
	}, m)
	return manager
}

// Close marks the manager closed: every later call, and every view taken from it, returns
// usermanager.ErrClosed. The Rust memory is freed when nothing refers to the manager any more.
// Safe to call more than once, and concurrently with queries.
func (m *Manager) Close() { m.closed.Store(true) }

func (m *Manager) check() error {
	if m.closed.Load() {
		return usermanager.ErrClosed
	}
	return nil
}

// UserCount is the number of users.
func (m *Manager) UserCount() int { return len(m.shared) }

// UserView is a user as the Rust manager holds it: the bare call's answer, not copied. It keeps its
// manager alive; after Close its methods return usermanager.ErrClosed.
type UserView struct {
	u *C.rp_user
	m *Manager
}

// GetUserView is GetUser without copying the answer.
func (m *Manager) GetUserView(id usermanager.UserID) (UserView, error) {
	if err := m.check(); err != nil {
		return UserView{}, err
	}
	var u *C.rp_user
	var msg message
	status := C.um_get_user(m.m, str(id.OpaqueID), str(id.Idp), &u, &msg[0], messageCapacity)
	runtime.KeepAlive(id)
	runtime.KeepAlive(m)
	if status != C.RP_OK {
		return UserView{}, msg.error(status)
	}
	return UserView{u, m}, nil
}

// GetUserByClaimView is GetUserByClaim without copying the answer.
func (m *Manager) GetUserByClaimView(claim, value string) (UserView, error) {
	if err := m.check(); err != nil {
		return UserView{}, err
	}
	var u *C.rp_user
	var msg message
	status := C.um_get_user_by_claim(m.m, str(claim), str(value), &u, &msg[0], messageCapacity)
	runtime.KeepAlive(claim)
	runtime.KeepAlive(value)
	runtime.KeepAlive(m)
	if status != C.RP_OK {
		return UserView{}, msg.error(status)
	}
	return UserView{u, m}, nil
}

// GroupsView is a user's groups as the Rust manager holds them. It keeps its manager alive; after
// Close its Copy returns usermanager.ErrClosed.
type GroupsView struct {
	list C.rp_str_list
	m    *Manager
}

// GetUserGroupsView is GetUserGroups without copying the answer.
func (m *Manager) GetUserGroupsView(id usermanager.UserID) (GroupsView, error) {
	if err := m.check(); err != nil {
		return GroupsView{}, err
	}
	var list C.rp_str_list
	var msg message
	status := C.um_get_user_groups(m.m, str(id.OpaqueID), str(id.Idp), &list, &msg[0], messageCapacity)
	runtime.KeepAlive(id)
	runtime.KeepAlive(m)
	if status != C.RP_OK {
		return GroupsView{}, msg.error(status)
	}
	return GroupsView{list, m}, nil
}

// FindUsersView writes the matches into views (as many as fit) and returns how many there are:
// when that is more than len(views), call again with a larger slice.
func (m *Manager) FindUsersView(query string, views []UserView) (int, error) {
	var small [16]*C.rp_user
	found := small[:]
	if len(views) > len(small) {
		found = make([]*C.rp_user, len(views))
	}
	count, err := m.find(query, found[:len(views)])
	for i := range min(count, len(views)) {
		views[i] = UserView{found[i], m}
	}
	return count, err
}

// find writes the matches into users (as many as fit) and returns how many there are.
func (m *Manager) find(query string, users []*C.rp_user) (int, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	var count C.size_t
	var msg message
	var first **C.rp_user
	if len(users) > 0 {
		first = &users[0]
	}
	status := C.um_find_users(m.m, str(query), first, C.size_t(len(users)), &count, &msg[0], messageCapacity)
	runtime.KeepAlive(query)
	runtime.KeepAlive(m)
	if status != C.RP_OK && status != C.RP_BUFFER_TOO_SMALL {
		return 0, msg.error(status)
	}
	return int(count), nil
}

// Len is the number of groups.
func (g GroupsView) Len() int { return int(g.list.len) }

// Copy returns the groups as Go strings that own their bytes (one allocation for all of them).
func (g GroupsView) Copy() ([]string, error) {
	if g.m == nil {
		return nil, errZeroView
	}
	if err := g.m.check(); err != nil {
		return nil, err
	}
	groups := copyStrings(unsafe.Slice(g.list.ptr, g.list.len))
	runtime.KeepAlive(g.m)
	return groups, nil
}

// Copy returns the user as Go values that own their memory (see copyUser).
func (v UserView) Copy() (*usermanager.User, error) {
	if v.m == nil {
		return nil, errZeroView
	}
	if err := v.m.check(); err != nil {
		return nil, err
	}
	user := copyUser(v.u)
	runtime.KeepAlive(v.m)
	return user, nil
}

// Shared returns the user under the shared contract: the manager's Go copy of it, built on first
// use. The caller must not modify it.
func (v UserView) Shared() (*usermanager.User, error) {
	if v.m == nil {
		return nil, errZeroView
	}
	return v.m.sharedUser(v.u)
}

// sharedUser returns the Go copy of u, one of m's users, building it the first time.
func (m *Manager) sharedUser(u *C.rp_user) (*usermanager.User, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	index := (uintptr(unsafe.Pointer(u)) - m.first) / unsafe.Sizeof(*u)
	slot := &m.shared[index] // a pointer outside the array fails this bounds check
	if user := slot.Load(); user != nil {
		return user, nil
	}
	user := copyUser(u)
	runtime.KeepAlive(m)
	if !slot.CompareAndSwap(nil, user) {
		user = slot.Load() // another goroutine built it first: every caller gets the same copy
	}
	return user, nil
}

// arena copies C strings into one Go buffer.
type arena struct {
	bytes []byte
}

func (a *arena) copy(s C.rp_str) string {
	if s.len == 0 {
		return ""
	}
	n := copy(a.bytes, unsafe.Slice((*byte)(unsafe.Pointer(s.ptr)), int(s.len)))
	copied := unsafe.String(&a.bytes[0], n)
	a.bytes = a.bytes[n:]
	return copied
}

func newArena(strs ...[]C.rp_str) arena {
	total := 0
	for _, list := range strs {
		for _, s := range list {
			total += int(s.len)
		}
	}
	return arena{bytes: make([]byte, total)}
}

// copyStrings copies a C string list into Go strings sharing one allocation.
func copyStrings(list []C.rp_str) []string {
	bytes := newArena(list)
	strs := make([]string, len(list))
	for i, s := range list {
		strs[i] = bytes.copy(s)
	}
	return strs
}

// copyUser returns u as Go values that own their memory: three allocations (the user, one buffer
// for all its strings, the group list). The caller keeps u's manager alive.
func copyUser(u *C.rp_user) *usermanager.User {
	fields := []C.rp_str{u.opaque_id, u.idp, u.username, u.mail, u.display_name, u.uid, u.gid}
	groups := unsafe.Slice(u.groups.ptr, u.groups.len)
	strings := newArena(fields, groups)
	user := &usermanager.User{
		ID:          usermanager.UserID{OpaqueID: strings.copy(u.opaque_id), Idp: strings.copy(u.idp)},
		Username:    strings.copy(u.username),
		Mail:        strings.copy(u.mail),
		DisplayName: strings.copy(u.display_name),
		Groups:      make([]string, len(groups)),
		UID:         strings.copy(u.uid),
		GID:         strings.copy(u.gid),
	}
	for i, s := range groups {
		user.Groups[i] = strings.copy(s)
	}
	return user
}

// GetUser implements usermanager.Manager under the shared contract.
func (m *Manager) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	view, err := m.GetUserView(id)
	if err != nil {
		return nil, err
	}
	return m.sharedUser(view.u)
}

// GetUserByClaim implements usermanager.Manager under the shared contract.
func (m *Manager) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	view, err := m.GetUserByClaimView(claim, value)
	if err != nil {
		return nil, err
	}
	return m.sharedUser(view.u)
}

// GetUserGroups implements usermanager.Manager under the shared contract: the groups of the shared
// user, which the caller must not modify.
func (m *Manager) GetUserGroups(id usermanager.UserID) ([]string, error) {
	return usermanager.GroupsOf(m.GetUser, id)
}

// FindUsers implements usermanager.Manager under the shared contract: the list is the caller's,
// the users in it are shared.
func (m *Manager) FindUsers(query string) ([]*usermanager.User, error) {
	var small [16]*C.rp_user
	found := small[:]
	count, err := m.find(query, found)
	if err != nil {
		return nil, err
	}
	if count > len(found) {
		found = make([]*C.rp_user, count)
		if count, err = m.find(query, found); err != nil {
			return nil, err
		}
		if count > len(found) {
			return nil, fmt.Errorf("%w: the matches changed between two calls", usermanager.ErrInvalidArgument)
		}
	}
	users := make([]*usermanager.User, count)
	for i := range users {
		if users[i], err = m.sharedUser(found[i]); err != nil {
			return nil, err
		}
	}
	return users, nil
}

var _ usermanager.Manager = (*Manager)(nil)
