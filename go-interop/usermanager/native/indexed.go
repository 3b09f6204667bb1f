package native

import (
	"sort"
	"strings"

	"rustplugin/go-interop/usermanager"
)

// Indexed is Manager's answers from the indexes the Rust store keeps (rust-plugin/rustplugin's
// store.rs), written in Go: a map from each key to the users holding it in file order (the first
// that matches wins, as in the scan), and one lowered search text for FindUsers. Against Manager,
// it shows what the index buys; against the Rust plugin through cgo, what the boundary costs.
//
// Loading allocates no more per user than Manager does: the maps' keys are the users' own
// strings, and the lists of users sharing a key are links in one slice.
type Indexed struct {
	users []*usermanager.User
	// byIDOrName chains, per key, the users whose opaque id or username it is.
	byIDOrName chains
	// byMail, byUsername and byUID hold the first user holding each claim, in file order.
	byMail, byUsername, byUID map[string]int32
	// search is, per user, the lowered username, display name, mail and opaque id, each followed
	// by a NUL byte: a query without NUL cannot match across two fields. userEnds[i] is the offset
	// just past user i's text.
	search   string
	userEnds []int
}

// chains lists, per key, the users holding it, in file order, as links in one slice.
type chains struct {
	heads map[string]chain
	links []link
}

type chain struct{ first, last int32 }

type link struct{ user, next int32 }

const endOfChain = -1

func (c *chains) add(key string, user int32) {
	at := int32(len(c.links))
	c.links = append(c.links, link{user: user, next: endOfChain})
	if head, ok := c.heads[key]; ok {
		c.links[head.last].next = at
		c.heads[key] = chain{head.first, at}
		return
	}
	c.heads[key] = chain{at, at}
}

// NewIndexed reads a reva JSON user file and indexes it.
func NewIndexed(path string) (*Indexed, error) {
	m, err := New(path)
	if err != nil {
		return nil, err
	}
	return m.Indexed(), nil
}

// Indexed returns the same users, indexed.
func (m *Manager) Indexed() *Indexed {
	n := len(m.users)
	x := &Indexed{
		users:      m.users,
		byIDOrName: chains{heads: make(map[string]chain, 2*n), links: make([]link, 0, 2*n)},
		byMail:     make(map[string]int32, n),
		byUsername: make(map[string]int32, n),
		byUID:      make(map[string]int32, n),
		userEnds:   make([]int, n),
	}
	first := func(index map[string]int32, key string, user int32) {
		if _, ok := index[key]; !ok {
			index[key] = user
		}
	}
	var search strings.Builder
	for i, u := range m.users {
		user := int32(i)
		x.byIDOrName.add(u.ID.OpaqueID, user)
		if u.Username != u.ID.OpaqueID {
			x.byIDOrName.add(u.Username, user)
		}
		first(x.byMail, u.Mail, user)
		first(x.byUsername, u.Username, user)
		if m.hasUID[i] {
			first(x.byUID, u.UID, user)
		}
		for _, field := range searchFields(u) {
			search.WriteString(strings.ToLower(field))
			search.WriteByte(0)
		}
		x.userEnds[i] = search.Len()
	}
	x.search = search.String()
	return x
}

func searchFields(u *usermanager.User) [4]string {
	return [4]string{u.Username, u.DisplayName, u.Mail, u.ID.OpaqueID}
}

// GetUser is reva's GetUser, from the index.
func (x *Indexed) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	if head, ok := x.byIDOrName.heads[id.OpaqueID]; ok {
		for at := head.first; at != endOfChain; at = x.byIDOrName.links[at].next {
			u := x.users[x.byIDOrName.links[at].user]
			if id.Idp == "" || id.Idp == u.ID.Idp {
				return u, nil
			}
		}
	}
	return nil, userNotFound(id)
}

// GetUserByClaim is reva's GetUserByClaim, from the index.
func (x *Indexed) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	if err := checkClaim(claim); err != nil {
		return nil, err
	}
	index := x.byUID
	switch claim {
	case "mail":
		index = x.byMail
	case "username":
		index = x.byUsername
	}
	if user, ok := index[value]; ok {
		return x.users[user], nil
	}
	return nil, claimNotFound(claim, value)
}

// GetUserGroups is reva's GetUserGroups, from the index.
func (x *Indexed) GetUserGroups(id usermanager.UserID) ([]string, error) {
	return usermanager.GroupsOf(x.GetUser, id)
}

// FindUsers is reva's FindUsers over the search text: one substring search for all users.
func (x *Indexed) FindUsers(query string) ([]*usermanager.User, error) {
	if err := usermanager.CheckUTF8(query); err != nil {
		return nil, err
	}
	query = strings.ToLower(query)
	users := []*usermanager.User{}
	if strings.IndexByte(query, 0) >= 0 {
		// A NUL in the query could match across the separators: compare field by field.
		for _, u := range x.users {
			if userContains(u, query) {
				users = append(users, u)
			}
		}
		return users, nil
	}
	for start, user := 0, 0; user < len(x.users); {
		offset := strings.Index(x.search[start:], query)
		if offset < 0 {
			break
		}
		// The first user whose text ends after the match holds it.
		user += sort.SearchInts(x.userEnds[user:], start+offset+1)
		users = append(users, x.users[user])
		start = x.userEnds[user]
		user++
	}
	return users, nil
}

var _ usermanager.Manager = (*Indexed)(nil)
