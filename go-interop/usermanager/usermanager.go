// Package usermanager is the reva UserManager shape shared by this module's three implementations:
// Go native (package native), the same Go code as a Go plugin (packages goplugin and pluginhost),
// and the Rust plugin through cgo (package rustcgo).
//
// It follows reva's pkg/user/manager/json, without the context and skipFetchingGroups arguments,
// and with two deliberate differences that all three implementations share: a claim other than
// "mail", "username" or "uid" is ErrUnknownClaim (reva answers "not found"), and an argument that is
// not UTF-8 is ErrInvalidUTF8.
package usermanager

import "errors"

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

// The errors every implementation returns, matched with errors.Is.
var (
	ErrNotFound        = errors.New("not found")
	ErrUnknownClaim    = errors.New("unknown claim")
	ErrInvalidUTF8     = errors.New("invalid UTF-8")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrIO              = errors.New("cannot read the user file")
	ErrParse           = errors.New("invalid user data")
)
