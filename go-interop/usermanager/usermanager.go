// Package usermanager is the reva UserManager shape shared by this module's implementations: Go
// native (package native: reva's scan, and the same answers from the Rust store's indexes), the
// scan as a Go plugin (packages goplugin and pluginhost), the Rust plugin through cgo (package
// rustcgo), in the Wasm sandbox (package wasm), out of process (package process), and Go native
// behind hashicorp go-plugin (package hashicorp, the baseline); package conformance holds them to the same answers. The reva module
// (go-interop/reva) holds the Rust plugin to reva's own json driver, in reva's own types.
//
// Every implementation answers under one of two contracts:
//   - shared: the caller receives the stored, immutable answer, as reva v1.7 (the version the seed
//     benchmark measured) returns its stored *User. No copy and no allocation; the caller must not
//     modify what it receives. The implementations answer this way.
//   - owned: the caller receives its own copy, as current reva does with proto.Clone. Owned wraps any
//     shared Manager into one.
//
// It follows reva's pkg/user/manager/json, without the context and skipFetchingGroups arguments,
// and with two deliberate differences that every implementation shares: a claim other than
// "mail", "username" or "uid" is ErrUnknownClaim (reva answers "not found"), and an argument that is
// not UTF-8 is ErrInvalidUTF8.
package usermanager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"rustplugin/go-interop/status"
)

// UserID identifies a user: an opaque id at an identity provider.
type UserID struct {
	OpaqueID string
	Idp      string
}

// User is one user of the reva JSON user file.
type User struct {
	ID          UserID
	Username    string
	Mail        string
	DisplayName string
	Groups      []string
	// UID and GID are the decoded "plain" values of opaque.map.uid and opaque.map.gid ("" if absent).
	UID string
	GID string
}

// Manager is reva's UserManager.
type Manager interface {
	// GetUser returns the first user whose opaque id or username is id.OpaqueID, at id.Idp unless
	// that is empty.
	GetUser(id UserID) (*User, error)
	// GetUserByClaim returns the first user whose "mail", "username" or "uid" equals value.
	GetUserByClaim(claim, value string) (*User, error)
	// GetUserGroups returns the groups of GetUser(id).
	GetUserGroups(id UserID) ([]string, error)
	// FindUsers returns every user whose username, display name, mail or opaque id contains query,
	// ignoring case. Finding nobody is not an error.
	FindUsers(query string) ([]*User, error)
}

// Clone returns a copy of u that shares nothing mutable with it: a new User and a new group list
// (strings are immutable in Go, so they are shared, as proto.Clone shares them). Clone(nil) is nil.
func Clone(u *User) *User {
	if u == nil {
		return nil
	}
	clone := *u
	clone.Groups = cloneStrings(u.Groups)
	return &clone
}

func cloneStrings(list []string) []string {
	if list == nil {
		return nil
	}
	return append(make([]string, 0, len(list)), list...)
}

// Owned wraps a Manager of the shared contract into one of the owned contract: every answer is a
// Clone, so the caller may modify it.
func Owned(m Manager) Manager { return owned{m} }

type owned struct{ shared Manager }

func (o owned) GetUser(id UserID) (*User, error) {
	u, err := o.shared.GetUser(id)
	return Clone(u), err
}

func (o owned) GetUserByClaim(claim, value string) (*User, error) {
	u, err := o.shared.GetUserByClaim(claim, value)
	return Clone(u), err
}

func (o owned) GetUserGroups(id UserID) ([]string, error) {
	groups, err := o.shared.GetUserGroups(id)
	return cloneStrings(groups), err
}

func (o owned) FindUsers(query string) ([]*User, error) {
	users, err := o.shared.FindUsers(query)
	for i, u := range users {
		users[i] = Clone(u)
	}
	return users, err
}

// The errors every implementation returns, matched with errors.Is.
var (
	ErrNotFound        = errors.New("not found")
	ErrUnknownClaim    = errors.New("unknown claim")
	ErrInvalidUTF8     = errors.New("invalid UTF-8")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrIO              = errors.New("cannot read the user file")
	ErrParse           = errors.New("invalid user data")
	// ErrClosed: the manager was closed (implementations that hold resources outside Go).
	ErrClosed = errors.New("user manager closed")
)

// ForStatus returns the error of this package that a C status of the user manager stands for
// (include/rp_common.h), or nil for RP_OK and statuses that are no user manager's answer. Every
// binding maps statuses through it, in its errors' Is methods.
func ForStatus(code int) error {
	switch code {
	case status.NotFound:
		return ErrNotFound
	case status.UnknownClaim:
		return ErrUnknownClaim
	case status.InvalidUTF8:
		return ErrInvalidUTF8
	case status.InvalidArgument, status.BufferTooSmall, status.TooLarge:
		return ErrInvalidArgument
	case status.IO, status.NotAFile:
		return ErrIO
	case status.Parse:
		return ErrParse
	}
	return nil
}

// CheckUTF8 returns ErrInvalidUTF8 for the first argument that is not UTF-8, or nil.
func CheckUTF8(arguments ...string) error {
	for _, s := range arguments {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: %q", ErrInvalidUTF8, s)
		}
	}
	return nil
}

// StatusError is a status of include/rp_common.h with its message, as a binding receives them;
// errors.Is matches it against this package's errors through ForStatus.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string { return e.Message }

// Is reports whether target is the error of this package that e's status stands for.
func (e *StatusError) Is(target error) bool {
	sentinel := ForStatus(e.Status)
	return sentinel != nil && target == sentinel
}

// StatusOf is ForStatus the other way: the status that stands for err across a boundary that
// carries statuses (the hashicorp go-plugin baseline): RP_OK for nil, RP_PLUGIN_FAILED for an
// error that is none of this package's.
func StatusOf(err error) int {
	if err == nil {
		return status.OK
	}
	for _, code := range []int{status.NotFound, status.UnknownClaim, status.InvalidUTF8, status.InvalidArgument, status.IO, status.Parse} {
		if errors.Is(err, ForStatus(code)) {
			return code
		}
	}
	return status.PluginFailed
}

// DecodeRecord reads a user record, as the Wasm guest's rp_um_user and the plugin server lay it
// out (rp-ffi-core's record.rs): a little-endian u32 count of strings, their lengths, their bytes
// (opaque id, idp, username, mail, display name, uid, gid, then the groups). One allocation holds
// every string.
func DecodeRecord(result []byte) (*User, error) {
	bad := fmt.Errorf("%w: a malformed user record of %d bytes", ErrInvalidArgument, len(result))
	if len(result) < 4 {
		return nil, bad
	}
	count := int(binary.LittleEndian.Uint32(result))
	if count < 7 || count > (len(result)-4)/4 {
		return nil, bad
	}
	at := 4 + 4*count
	text := string(result[at:])
	strs := make([]string, count)
	offset := 0
	for i := range strs {
		n := int(binary.LittleEndian.Uint32(result[4+4*i:]))
		if n > len(text)-offset {
			return nil, bad
		}
		strs[i] = text[offset : offset+n]
		offset += n
	}
	if offset != len(text) {
		return nil, bad
	}
	return &User{
		ID:          UserID{OpaqueID: strs[0], Idp: strs[1]},
		Username:    strs[2],
		Mail:        strs[3],
		DisplayName: strs[4],
		UID:         strs[5],
		GID:         strs[6],
		Groups:      append([]string{}, strs[7:]...),
	}, nil
}

// GroupsOf is GetUserGroups for the implementations that answer it from GetUser: the groups of the
// user get returns for id (shared with that user under the shared contract).
func GroupsOf(get func(UserID) (*User, error), id UserID) ([]string, error) {
	user, err := get(id)
	if err != nil {
		return nil, err
	}
	return user.Groups, nil
}
