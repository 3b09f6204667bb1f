// Package rust is a reva user manager backed by the Rust user manager (rust-plugin/rustplugin,
// through cgo and include/rustplugin.h): a drop-in for reva v1.7's "json" driver
// (pkg/user/manager/json). Its init registers it in reva's registry as "rust", reading the json
// driver's configuration keys, so a reva build switches with a blank import and one line of
// configuration:
//
//	import _ "rustplugin/go-interop/reva/rust"
//
//	[grpc.services.userprovider]
//	driver = "rust"            # was "json"
//	[grpc.services.userprovider.drivers.rust]
//	users = "/etc/revad/users.json"
//
// # Answers
//
// The same as the json driver's (the conformance suite holds it to proto.Equal answers and equal
// errtypes), from the Rust store's indexes instead of a scan of the user list. Under reva v1.7's
// contract: the answer is the stored *userpb.User, built once per user on first use, then
// returned with no allocation; the caller must not modify it.
//
// A user carries what the Rust store keeps of the file: id (opaque id and idp), username, mail,
// display name, groups, and the "plain" uid and gid entries of opaque.map. The json driver also
// answers mail_verified, uid_number, gid_number and other opaque entries, which the reva demo and
// generated files do not have; a file that has them answers without them here.
//
// # Errors
//
// As the json driver's: errtypes.NotFound of the key asked for, for an unknown claim (which the
// Rust store calls ErrUnknownClaim) and for keys that are not UTF-8 too. Where the json driver
// panics (a nil user id), this driver returns errtypes.BadRequest. A file the Rust store refuses
// (missing, not a regular file, over 1 GiB, not JSON of reva's user shape) fails New with the
// store's error, matched with errors.Is against the usermanager errors.
package rust

import (
	"context"
	"errors"
	"sync/atomic"

	userpb "github.com/cs3org/go-cs3apis/cs3/identity/user/v1beta1"
	"github.com/cs3org/reva/pkg/errtypes"
	"github.com/cs3org/reva/pkg/user"
	"github.com/cs3org/reva/pkg/user/manager/registry"
	"github.com/mitchellh/mapstructure"
	pkgerrors "github.com/pkg/errors"

	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/cs3"
	"rustplugin/go-interop/usermanager/rustcgo"
)

func init() {
	registry.Register("rust", New)
}

// config is the json driver's configuration.
type config struct {
	// Users is the reva JSON user file.
	Users string `mapstructure:"users"`
}

// defaultUsers is the json driver's default file.
const defaultUsers = "/etc/revad/users.json"

// New opens the user file that the configuration's "users" key names (default
// /etc/revad/users.json), as the json driver does.
func New(conf map[string]interface{}) (user.Manager, error) {
	c := &config{}
	if err := mapstructure.Decode(conf, c); err != nil {
		return nil, pkgerrors.Wrap(err, "error decoding conf")
	}
	if c.Users == "" {
		c.Users = defaultUsers
	}
	return Open(c.Users)
}

// Manager is the Rust user manager as a reva user.Manager. Safe for concurrent use.
type Manager struct {
	rust *rustcgo.UserManager
	// users[i] is row i of the Rust store as reva's message, built on first use.
	users []atomic.Pointer[userpb.User]
}

// Open reads a reva JSON user file.
func Open(path string) (*Manager, error) {
	m, err := rustcgo.NewFromFile([]byte(path))
	if err != nil {
		return nil, err
	}
	return &Manager{rust: m, users: make([]atomic.Pointer[userpb.User], m.UserCount())}, nil
}

// errNilUserID answers a nil user id, which the json driver dereferences.
var errNilUserID = errtypes.BadRequest("rust: the user id is nil")

// GetUser implements user.Manager.
func (m *Manager) GetUser(_ context.Context, uid *userpb.UserId) (*userpb.User, error) {
	if uid == nil {
		return nil, errNilUserID
	}
	view, err := m.rust.GetUserView(uid.OpaqueId, uid.Idp)
	if err != nil {
		return nil, notFound(err, uid.OpaqueId)
	}
	return m.user(view)
}

// GetUserByClaim implements user.Manager.
func (m *Manager) GetUserByClaim(_ context.Context, claim, value string) (*userpb.User, error) {
	view, err := m.rust.GetUserByClaimView(claim, value)
	if err != nil {
		return nil, notFound(err, value)
	}
	return m.user(view)
}

// GetUserGroups implements user.Manager: the stored user's groups, which the caller must not
// modify.
func (m *Manager) GetUserGroups(ctx context.Context, uid *userpb.UserId) ([]string, error) {
	u, err := m.GetUser(ctx, uid)
	if err != nil {
		return nil, err
	}
	return u.Groups, nil
}

// FindUsers implements user.Manager.
func (m *Manager) FindUsers(_ context.Context, query string) ([]*userpb.User, error) {
	var small [16]rustcgo.UserView
	views := small[:]
	count, err := m.rust.FindUsersView(query, views)
	if count > len(views) && err == nil {
		views = make([]rustcgo.UserView, count)
		count, err = m.rust.FindUsersView(query, views)
	}
	if errors.Is(err, usermanager.ErrInvalidUTF8) {
		// The json driver lowers the query, which turns each invalid byte into U+FFFD, and
		// finds nobody (unless a stored field holds U+FFFD).
		return []*userpb.User{}, nil
	}
	if err != nil {
		return nil, err
	}
	if count > len(views) {
		return nil, errtypes.InternalError("rust: the answers changed between two calls")
	}
	users := make([]*userpb.User, count)
	for i, view := range views[:count] {
		if users[i], err = m.user(view); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// notFound is the json driver's error for a key that matched nobody: errtypes.NotFound of the
// key. An unknown claim and a key that is not UTF-8 are that too; any other error (a closed
// manager) is returned as it is.
func notFound(err error, key string) error {
	if errors.Is(err, usermanager.ErrNotFound) || errors.Is(err, usermanager.ErrUnknownClaim) || errors.Is(err, usermanager.ErrInvalidUTF8) {
		return errtypes.NotFound(key)
	}
	return err
}

// user returns the stored message of the row view is, building it the first time.
func (m *Manager) user(view rustcgo.UserView) (*userpb.User, error) {
	index, err := view.Index()
	if err != nil {
		return nil, err
	}
	slot := &m.users[index]
	if u := slot.Load(); u != nil {
		return u, nil
	}
	row, err := view.Copy()
	if err != nil {
		return nil, err
	}
	u := cs3.User(row)
	if !slot.CompareAndSwap(nil, u) {
		u = slot.Load() // another goroutine built it first: every caller gets the same message
	}
	return u, nil
}

var _ user.Manager = (*Manager)(nil)
