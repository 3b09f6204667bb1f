// Package cs3 converts between this module's users and reva's cs3apis messages (go-cs3apis, the
// version reva v1.7.0 requires), as reva's json driver decodes a user file: uid and gid are
// "plain" entries of the user's opaque map. Used by the hashicorp baseline's gRPC transport
// (cs3apis' UserAPI) and by the Rust drop-in for reva (go-interop/reva/rust).
package cs3

import (
	userpb "github.com/cs3org/go-cs3apis/cs3/identity/user/v1beta1"
	typespb "github.com/cs3org/go-cs3apis/cs3/types/v1beta1"

	"rustplugin/go-interop/usermanager"
)

// UserID is id as cs3apis' message.
func UserID(id usermanager.UserID) *userpb.UserId {
	return &userpb.UserId{OpaqueId: id.OpaqueID, Idp: id.Idp}
}

// FromUserID is UserID the other way; a nil id is the zero UserID.
func FromUserID(id *userpb.UserId) usermanager.UserID {
	return usermanager.UserID{OpaqueID: id.GetOpaqueId(), Idp: id.GetIdp()}
}

// User is u as reva's json driver decodes it: the uid and gid are "plain" opaque entries, present
// when not empty; no opaque map when both are empty. The message shares u's strings and group
// list. User(nil) is nil.
func User(u *usermanager.User) *userpb.User {
	if u == nil {
		return nil
	}
	msg := &userpb.User{Id: UserID(u.ID), Username: u.Username, Mail: u.Mail, DisplayName: u.DisplayName, Groups: u.Groups}
	var entries map[string]*typespb.OpaqueEntry
	for _, entry := range [2]struct{ key, value string }{{"uid", u.UID}, {"gid", u.GID}} {
		if entry.value == "" {
			continue
		}
		if entries == nil {
			entries = map[string]*typespb.OpaqueEntry{}
		}
		entries[entry.key] = &typespb.OpaqueEntry{Decoder: "plain", Value: []byte(entry.value)}
	}
	if entries != nil {
		msg.Opaque = &typespb.Opaque{Map: entries}
	}
	return msg
}

// FromUser is User the other way: an opaque uid or gid whose decoder is not "plain" is none.
// FromUser(nil) is nil.
func FromUser(msg *userpb.User) *usermanager.User {
	if msg == nil {
		return nil
	}
	return &usermanager.User{ID: FromUserID(msg.Id), Username: msg.Username, Mail: msg.Mail, DisplayName: msg.DisplayName,
		Groups: msg.Groups, UID: Plain(msg.Opaque, "uid"), GID: Plain(msg.Opaque, "gid")}
}

// Plain is the value of the "plain" entry key of opaque, or "".
func Plain(opaque *typespb.Opaque, key string) string {
	if entry := opaque.GetMap()[key]; entry.GetDecoder() == "plain" {
		return string(entry.Value)
	}
	return ""
}
