// Package native is reva's JSON user manager in Go (pkg/user/manager/json): the baseline that Go
// services run today, and the code the Go plugin is built from. Manager's queries scan the user
// list as reva's do; Indexed answers the same from the Rust store's indexes, written in Go, so
// that a benchmark can tell what an index buys from what a boundary costs. Both answer under the
// shared contract, as reva v1.7 does: the stored *User itself (usermanager.Owned gives the copies
// current reva returns).
package native

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"rustplugin/go-interop/usermanager"
)

// Manager holds the users of one file, in file order.
type Manager struct {
	users []*usermanager.User
	// hasUID[i] tells a user with an empty "plain" uid from one with none: only the first has a
	// uid claim (as in reva's extractClaim).
	hasUID []bool
}

type jsonUser struct {
	ID struct {
		OpaqueID string `json:"opaque_id"`
		Idp      string `json:"idp"`
	} `json:"id"`
	Username    string   `json:"username"`
	Mail        string   `json:"mail"`
	DisplayName string   `json:"display_name"`
	Groups      []string `json:"groups"`
	Opaque      struct {
		Map map[string]struct {
			Decoder string `json:"decoder"`
			Value   []byte `json:"value"` // protobuf bytes: base64 in JSON
		} `json:"map"`
	} `json:"opaque"`
}

// New reads a reva JSON user file.
func New(path string) (*Manager, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", usermanager.ErrIO, err)
	}
	return NewFromJSON(data)
}

// NewFromJSON parses a JSON array of reva users.
func NewFromJSON(data []byte) (*Manager, error) {
	var parsed []jsonUser
	if err := json.Unmarshal(data, &parsed); err != nil {
		return nil, fmt.Errorf("%w: %v", usermanager.ErrParse, err)
	}
	users := make([]*usermanager.User, len(parsed))
	hasUID := make([]bool, len(parsed))
	for i, u := range parsed {
		plain := func(key string) string {
			if entry, ok := u.Opaque.Map[key]; ok && entry.Decoder == "plain" {
				return string(entry.Value)
			}
			return ""
		}
		uid, ok := u.Opaque.Map["uid"]
		hasUID[i] = ok && uid.Decoder == "plain"
		users[i] = &usermanager.User{
			ID:          usermanager.UserID{OpaqueID: u.ID.OpaqueID, Idp: u.ID.Idp},
			Username:    u.Username,
			Mail:        u.Mail,
			DisplayName: u.DisplayName,
			Groups:      u.Groups,
			UID:         plain("uid"),
			GID:         plain("gid"),
		}
	}
	return &Manager{users: users, hasUID: hasUID}, nil
}

// GetUser is reva's GetUser.
func (m *Manager) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	for _, u := range m.users {
		if (u.ID.OpaqueID == id.OpaqueID || u.Username == id.OpaqueID) && (id.Idp == "" || id.Idp == u.ID.Idp) {
			return u, nil
		}
	}
	return nil, userNotFound(id)
}

// userNotFound is GetUser's error when no user matched id: not found, or an argument that is not
// UTF-8 (checked only then: a match means the arguments equal stored strings, which are UTF-8).
func userNotFound(id usermanager.UserID) error {
	if err := usermanager.CheckUTF8(id.OpaqueID, id.Idp); err != nil {
		return err
	}
	return fmt.Errorf("%w: no user with opaque id or username %q at idp %q", usermanager.ErrNotFound, id.OpaqueID, id.Idp)
}

// GetUserByClaim is reva's GetUserByClaim.
func (m *Manager) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	if err := checkClaim(claim); err != nil {
		return nil, err
	}
	for i, u := range m.users {
		if extractClaim(u, claim) == value && (claim != "uid" || m.hasUID[i]) {
			return u, nil
		}
	}
	return nil, claimNotFound(claim, value)
}

// checkClaim is ErrUnknownClaim (or ErrInvalidUTF8) for a claim other than "mail", "username" and "uid".
func checkClaim(claim string) error {
	if claim == "mail" || claim == "username" || claim == "uid" {
		return nil
	}
	if err := usermanager.CheckUTF8(claim); err != nil {
		return err
	}
	return fmt.Errorf("%w %q: the claims are \"mail\", \"username\" and \"uid\"", usermanager.ErrUnknownClaim, claim)
}

// claimNotFound is GetUserByClaim's error when no user holds value as claim.
func claimNotFound(claim, value string) error {
	if err := usermanager.CheckUTF8(value); err != nil {
		return err
	}
	return fmt.Errorf("%w: no user with %s claim %q", usermanager.ErrNotFound, claim, value)
}

func extractClaim(u *usermanager.User, claim string) string {
	switch claim {
	case "mail":
		return u.Mail
	case "username":
		return u.Username
	default:
		return u.UID
	}
}

// GetUserGroups is reva's GetUserGroups.
func (m *Manager) GetUserGroups(id usermanager.UserID) ([]string, error) {
	return usermanager.GroupsOf(m.GetUser, id)
}

// FindUsers is reva's FindUsers.
func (m *Manager) FindUsers(query string) ([]*usermanager.User, error) {
	if err := usermanager.CheckUTF8(query); err != nil {
		return nil, err
	}
	query = strings.ToLower(query)
	users := []*usermanager.User{}
	for _, u := range m.users {
		if userContains(u, query) {
			users = append(users, u)
		}
	}
	return users, nil
}

func userContains(u *usermanager.User, query string) bool {
	return strings.Contains(strings.ToLower(u.Username), query) ||
		strings.Contains(strings.ToLower(u.DisplayName), query) ||
		strings.Contains(strings.ToLower(u.Mail), query) ||
		strings.Contains(strings.ToLower(u.ID.OpaqueID), query)
}
