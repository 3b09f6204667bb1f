//! The user store: the reva JSON user manager's data and its four queries, in safe Rust.
//!
//! Semantics are those of reva's `pkg/user/manager/json` (so answers compare with the Go originals):
//! - `get_user(opaque_id, idp)`: the first user, in file order, whose `opaque_id` or `username` equals
//!   `opaque_id`, and whose idp equals `idp` unless `idp` is empty.
//! - `get_user_by_claim(claim, value)`: the first user whose `mail`, `username` or `uid` (the "plain"
//!   value of `opaque.map.uid`) equals `value`. Any other claim is [`Error::UnknownClaim`].
//! - `get_user_groups(opaque_id, idp)`: the groups of `get_user`.
//! - `find_users(query)`: every user, in file order, whose username, display name, mail or opaque id
//!   contains `query`, compared case-insensitively as Go's `strings.ToLower` does.
//!
//! Unlike reva, which scans the list on every call, the store indexes the data once at load: exact
//! lookups are one hash probe, and `find_users` is one substring search over a pre-lowered buffer.
//! Lookup keys are taken as bytes: a key that is not UTF-8 can never equal a stored (UTF-8) string,
//! so callers only need to validate UTF-8 when a lookup fails (see the C layer).

use std::borrow::Cow;
#[cfg(unix)]
use std::path::Path;

use memchr::memmem;

use rp_ffi_core::owned::TextList;
use rp_ffi_core::string::utf8;

use crate::error::{quoted, Error};

#[cfg(unix)]
mod file;
mod index;
mod json;

use index::HashIndex;
use rp_ffi_core::words::same_bytes;

/// One user, decoded from the JSON file: the record of the plugin's definition (`wit/plugin.wit`),
/// laid out as the C view `rp_user`, so the C layer answers with references into the store. A uid
/// or gid that is absent (or not "plain") is empty.
pub use crate::records::User;

/// The claims `get_user_by_claim` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Mail,
    Username,
    Uid,
}

impl Claim {
    /// Parses a claim name; `None` for anything but `mail`, `username` and `uid`.
    pub fn from_bytes(name: &[u8]) -> Option<Claim> {
        match name {
            b"mail" => Some(Claim::Mail),
            b"username" => Some(Claim::Username),
            b"uid" => Some(Claim::Uid),
            _ => None,
        }
    }
}

/// The user field a key of an index was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    OpaqueId,
    Username,
    Mail,
    Uid,
}

impl Field {
    fn of(self, user: &User) -> &[u8] {
        match self {
            Field::OpaqueId => user.opaque_id.as_bytes(),
            Field::Username => user.username.as_bytes(),
            Field::Mail => user.mail.as_bytes(),
            Field::Uid => user.uid.as_bytes(),
        }
    }
}

/// The searchable text of all users: per user, the lowered username, display name, mail and
/// opaque id, each followed by a NUL byte. A query without NUL bytes cannot match across two fields.
#[derive(Debug, Default)]
struct SearchText {
    text: Vec<u8>,
    /// `user_ends[i]` is the offset just past user `i`'s last field.
    user_ends: Vec<usize>,
}

/// Users from a reva JSON file, indexed for the four queries. Immutable once built, so it may be
/// shared between threads (`Sync`) and queried concurrently.
#[derive(Debug)]
pub struct UserStore {
    users: Vec<User>,
    by_id_or_username: HashIndex,
    by_mail: HashIndex,
    by_username: HashIndex,
    by_uid: HashIndex,
    search: SearchText,
}

/// The largest user file [`UserStore::from_file`] reads: 1 GiB, three times the 10^6 generated
/// users of the size sweeps (350 MB of JSON). [`UserStore::from_file_limited`] takes another limit.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1 << 30;

/// The built-in demo data: the four reva demo users (einstein, marie, richard, test).
pub const DEMO_USERS_JSON: &str = include_str!("../data/demo-users.json");

impl UserStore {
    /// The store of the built-in demo data.
    pub fn demo() -> UserStore {
        UserStore::from_json(DEMO_USERS_JSON.as_bytes()).expect("the built-in demo data is valid")
    }

    /// Reads and indexes a reva JSON user file of at most [`DEFAULT_MAX_FILE_BYTES`].
    #[cfg(unix)]
    pub fn from_file(path: &Path) -> Result<UserStore, Error> {
        UserStore::from_file_limited(path, DEFAULT_MAX_FILE_BYTES)
    }

    /// Reads and indexes a reva JSON user file of at most `max_bytes` bytes.
    ///
    /// Only a regular file is read: a FIFO, a device, a directory or a socket is refused
    /// ([`Error::NotAFile`]) before anything is read from it, and opening never blocks (a FIFO
    /// without a writer included). A larger file is refused ([`Error::TooLarge`]) without reading
    /// it, and a file that grows past the limit while it is read is refused too: at most
    /// `max_bytes + 1` bytes are ever read.
    #[cfg(unix)]
    pub fn from_file_limited(path: &Path, max_bytes: u64) -> Result<UserStore, Error> {
        UserStore::from_json(&file::read_limited(path, max_bytes)?)
    }

    /// Parses and indexes a JSON array of reva users. Missing fields default to empty, as in
    /// protobuf's JSON mapping; unknown fields are ignored.
    pub fn from_json(json: &[u8]) -> Result<UserStore, Error> {
        UserStore::from_users(json::parse_users(json)?)
    }

    /// Indexes users given in file order.
    pub fn from_users(users: Vec<User>) -> Result<UserStore, Error> {
        // Two index entries per user at most, each numbered in u32 below EMPTY.
        if users.len() >= (u32::MAX / 2) as usize {
            return Err(Error::Parse(format!(
                "{} users: at most {} are supported",
                users.len(),
                u32::MAX / 2 - 1
            )));
        }
        let count = users.len();
        let mut store = UserStore {
            users,
            by_id_or_username: HashIndex::with_capacity(2 * count),
            by_mail: HashIndex::with_capacity(count),
            by_username: HashIndex::with_capacity(count),
            by_uid: HashIndex::with_capacity(count),
            search: SearchText::default(),
        };
        for (index, user) in store.users.iter().enumerate() {
            let (users, index) = (&store.users, index as u32); // the count is checked above
            store
                .by_id_or_username
                .insert(users, index, Field::OpaqueId);
            if user.username != user.opaque_id {
                store
                    .by_id_or_username
                    .insert(users, index, Field::Username);
            }
            store.by_mail.insert(users, index, Field::Mail);
            store.by_username.insert(users, index, Field::Username);
            if !user.uid.is_empty() {
                store.by_uid.insert(users, index, Field::Uid);
            }
            for field in search_fields(user) {
                store
                    .search
                    .text
                    .extend_from_slice(go_to_lower(field).as_bytes());
                store.search.text.push(0);
            }
            store.search.user_ends.push(store.search.text.len());
        }
        Ok(store)
    }

    /// All users, in file order.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// The position of `user`, one of this store's users, in file order (what the Wasm guest and
    /// the process server answer in place of the user).
    ///
    /// # Panics
    /// When `user` is not one of [`users`](Self::users).
    pub fn index_of(&self, user: &User) -> usize {
        let offset = (user as *const User as usize).wrapping_sub(self.users.as_ptr() as usize);
        let index = offset / std::mem::size_of::<User>();
        assert!(
            offset % std::mem::size_of::<User>() == 0 && index < self.users.len(),
            "a user of another store"
        );
        index
    }

    /// reva's `GetUser`. Keys are bytes: one that is not UTF-8 equals no stored string, so a
    /// caller that reports why a lookup failed checks UTF-8 then, never on a hit.
    pub fn get_user(&self, opaque_id: &[u8], idp: &[u8]) -> Option<&User> {
        self.by_id_or_username
            .users_with(&self.users, opaque_id)
            .map(|i| &self.users[i])
            .find(|user| idp.is_empty() || same_bytes(user.idp.as_bytes(), idp))
    }

    /// [`get_user`](Self::get_user), or the error a caller reports: not found, or an argument
    /// that is not UTF-8 (checked only then: a match means the arguments equal stored strings).
    pub fn lookup_user(&self, opaque_id: &[u8], idp: &[u8]) -> Result<&User, Error> {
        self.get_user(opaque_id, idp)
            .ok_or_else(|| user_not_found(opaque_id, idp))
    }

    /// reva's `GetUserByClaim`.
    pub fn get_user_by_claim(&self, claim: Claim, value: &[u8]) -> Option<&User> {
        let index = match claim {
            Claim::Mail => &self.by_mail,
            Claim::Username => &self.by_username,
            Claim::Uid => &self.by_uid,
        };
        index
            .users_with(&self.users, value)
            .next()
            .map(|i| &self.users[i])
    }

    /// [`get_user_by_claim`](Self::get_user_by_claim) for the claim named `claim`, or the error a
    /// caller reports: an unknown claim, not found, or an argument that is not UTF-8.
    pub fn lookup_user_by_claim(&self, claim: &[u8], value: &[u8]) -> Result<&User, Error> {
        let parsed = Claim::from_bytes(claim).ok_or_else(|| unknown_claim(claim))?;
        self.get_user_by_claim(parsed, value)
            .ok_or_else(|| claim_not_found(parsed, value))
    }

    /// reva's `GetUserGroups`.
    pub fn get_user_groups(&self, opaque_id: &[u8], idp: &[u8]) -> Option<&TextList> {
        self.get_user(opaque_id, idp).map(|u| &u.groups)
    }

    /// reva's `FindUsers`: calls `found` with every matching user, in file order. An empty query
    /// matches every user (as Go's `strings.Contains(s, "")` does).
    pub fn find_users<'a>(&'a self, query: &str, mut found: impl FnMut(&'a User)) {
        let query = go_to_lower(query);
        let needle = query.as_bytes();
        if needle.is_empty() {
            self.users.iter().for_each(found);
        } else if needle.contains(&0) {
            // A NUL in the query could match across the field separators: compare field by field.
            for user in &self.users {
                if search_fields(user).any(|f| go_to_lower(f).contains(query.as_ref())) {
                    found(user);
                }
            }
        } else {
            let finder = memmem::Finder::new(needle);
            let ends = &self.search.user_ends;
            let mut start = 0;
            let mut user = 0;
            while let Some(offset) = finder.find(&self.search.text[start..]) {
                // The first user whose text ends after the match holds it.
                user += ends[user..].partition_point(|&end| end <= start + offset);
                found(&self.users[user]);
                start = ends[user];
                user += 1;
            }
        }
    }
}

/// The fields `FindUsers` searches, in reva's order.
fn search_fields(user: &User) -> impl Iterator<Item = &str> {
    [
        user.username.as_str(),
        user.display_name.as_str(),
        user.mail.as_str(),
        user.opaque_id.as_str(),
    ]
    .into_iter()
}

// The failure paths of the lookups, out of line so that their success paths stay short.

#[cold]
#[inline(never)]
fn user_not_found(opaque_id: &[u8], idp: &[u8]) -> Error {
    match (utf8(opaque_id, "opaque_id"), utf8(idp, "idp")) {
        (Ok(opaque_id), Ok(idp)) => Error::NotFound(format!(
            "no user with opaque id or username {} at idp {}",
            quoted(opaque_id),
            quoted(idp)
        )),
        (Err(e), _) | (_, Err(e)) => e.into(),
    }
}

#[cold]
#[inline(never)]
fn unknown_claim(claim: &[u8]) -> Error {
    utf8(claim, "claim").map_or_else(Error::from, |c| Error::UnknownClaim(quoted(c)))
}

#[cold]
#[inline(never)]
fn claim_not_found(claim: Claim, value: &[u8]) -> Error {
    utf8(value, "value").map_or_else(Error::from, |v| {
        Error::NotFound(format!("no user with {claim:?} claim {}", quoted(v)))
    })
}

/// Lower-cases as Go's `strings.ToLower` does: rune by rune with Unicode's *simple* lower-case
/// mapping. Rust's `char::to_lowercase` is the *full* mapping, which differs for exactly one
/// character, U+0130 (İ), that it maps to two (`i` + U+0307) where Go maps it to `i`.
pub fn go_to_lower(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{130}' => 'i',
                c => c.to_lowercase().next().unwrap_or(c),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EINSTEIN: &[u8] = b"4c510ada-c86b-4815-8820-42cdf82c3d51";

    /// The position of the user `get_user` answers.
    fn position(store: &UserStore, opaque_id: &[u8], idp: &[u8]) -> Option<usize> {
        store.get_user(opaque_id, idp).map(|u| store.index_of(u))
    }

    #[test]
    fn index_of_is_the_position_and_refuses_a_stranger() {
        let store = UserStore::demo();
        for (i, user) in store.users().iter().enumerate() {
            assert_eq!(store.index_of(user), i);
        }
        let other = UserStore::demo();
        let stranger = std::panic::catch_unwind(|| store.index_of(&other.users()[0]));
        assert!(
            stranger.is_err(),
            "a user of another store has no position here"
        );
    }

    /// The position of the user `get_user_by_claim` answers.
    fn claim_position(store: &UserStore, claim: Claim, value: &[u8]) -> Option<usize> {
        store
            .get_user_by_claim(claim, value)
            .map(|u| store.index_of(u))
    }

    /// 10^5 users without a mail, all with uid 1000, ids repeated in pairs: each distinct key takes
    /// one slot, so no lookup (found or missing) probes a long run, and loading stays linear (the
    /// old index put equal keys in one probe run: 10^5 slots long here, and quadratic to build).
    #[test]
    fn equal_keys_take_one_slot_and_probe_runs_stay_short() {
        let users: Vec<User> = (0..100_000)
            .map(|i| User {
                opaque_id: format!("id-{}", i / 2).into(),
                username: format!("user-{i}").into(),
                uid: "1000".into(),
                ..User::default()
            })
            .collect();
        let store = UserStore::from_users(users).unwrap();
        assert_eq!(store.by_mail.distinct_keys(), 1);
        assert_eq!(store.by_uid.distinct_keys(), 1);
        assert_eq!(store.by_username.distinct_keys(), 100_000);
        assert_eq!(store.by_id_or_username.distinct_keys(), 150_000);
        for index in [
            &store.by_id_or_username,
            &store.by_mail,
            &store.by_username,
            &store.by_uid,
        ] {
            assert!(index.longest_run() < 64, "a run of {}", index.longest_run());
        }
        // First match in file order, and the chains keep the later holders.
        assert_eq!(claim_position(&store, Claim::Mail, b""), Some(0));
        assert_eq!(claim_position(&store, Claim::Uid, b"1000"), Some(0));
        assert_eq!(position(&store, b"id-7", b""), Some(14));
        assert_eq!(store.by_mail.users_with(&store.users, b"").count(), 100_000);
        assert_eq!(
            store
                .by_id_or_username
                .users_with(&store.users, b"id-7")
                .count(),
            2
        );
        assert_eq!(claim_position(&store, Claim::Mail, b"a@b"), None);
        assert_eq!(position(&store, b"id-50000", b""), None);
    }

    /// A user whose username is another user's id: GetUser finds whichever comes first in the
    /// file, through either field (the keys "a" of the two users share one chain).
    #[test]
    fn ids_and_usernames_share_one_key_space() {
        let user = |id: &str, name: &str, idp: &str| User {
            opaque_id: id.into(),
            username: name.into(),
            idp: idp.into(),
            ..User::default()
        };
        let store = UserStore::from_users(vec![
            user("x", "a", "idp1"),
            user("a", "y", "idp2"),
            user("a", "a", "idp3"),
        ])
        .unwrap();
        assert_eq!(position(&store, b"a", b""), Some(0));
        assert_eq!(position(&store, b"a", b"idp2"), Some(1));
        assert_eq!(position(&store, b"a", b"idp3"), Some(2));
        assert_eq!(position(&store, b"y", b"idp1"), None);
    }

    #[test]
    fn demo_get_user_by_id_and_username() {
        let store = UserStore::demo();
        let by_id = store.get_user(EINSTEIN, b"cernbox.cern.ch").unwrap();
        assert_eq!(by_id.username, "einstein");
        assert_eq!(by_id.uid, "123");
        assert_eq!(by_id.gid, "987");
        assert_eq!(store.get_user(b"einstein", b"").unwrap(), by_id);
        assert!(store.get_user(EINSTEIN, b"cesnet.cz").is_none());
        assert!(store.get_user(b"Einstein", b"").is_none());
        assert!(store.get_user(b"", b"").is_none());
    }

    #[test]
    fn demo_claims() {
        let store = UserStore::demo();
        let mail = store.get_user_by_claim(Claim::Mail, b"marie@cesnet.cz");
        assert_eq!(mail.unwrap().username, "marie");
        let uid = store.get_user_by_claim(Claim::Uid, b"246");
        assert_eq!(uid.unwrap().username, "richard");
        let name = store.get_user_by_claim(Claim::Username, b"test");
        assert_eq!(name.unwrap().mail, "test@example.com");
        assert!(store.get_user_by_claim(Claim::Mail, b"einstein").is_none());
        assert_eq!(Claim::from_bytes(b"phone"), None);
        assert_eq!(Claim::from_bytes(b"uid"), Some(Claim::Uid));
    }

    #[test]
    fn demo_groups() {
        let store = UserStore::demo();
        let groups = store.get_user_groups(b"marie", b"cesnet.cz").unwrap();
        assert_eq!(
            *groups,
            ["radium-lovers", "polonium-lovers", "physics-lovers"]
        );
    }

    #[test]
    fn demo_find_users() {
        let store = UserStore::demo();
        let names = |q: &str| -> Vec<String> {
            let mut names = Vec::new();
            store.find_users(q, |u| names.push(u.username.to_string()));
            names
        };
        assert_eq!(names("einstein"), ["einstein"]);
        assert_eq!(names("EINSTEIN"), ["einstein"]);
        assert_eq!(names("cur"), ["marie"]);
        assert_eq!(names("932b45"), ["richard", "test"]);
        assert_eq!(names("example"), ["richard", "test"]);
        assert_eq!(names("").len(), 4);
        assert!(names("nobody").is_empty());
        // "ein@" would span einstein's username and mail if fields were concatenated.
        assert!(names("einalbert").is_empty());
        assert!(names("n\0a").is_empty());
    }

    #[test]
    fn first_match_in_file_order_wins() {
        let user = |id: &str, name: &str, idp: &str| User {
            opaque_id: id.into(),
            username: name.into(),
            idp: idp.into(),
            mail: format!("{name}@x").into(),
            ..User::default()
        };
        // User 0's username is user 1's opaque id: file order decides, unless the idp narrows it.
        let store = UserStore::from_users(vec![
            user("a", "b", "one"),
            user("b", "c", "two"),
            user("c", "a", "two"),
        ])
        .unwrap();
        assert_eq!(position(&store, b"b", b""), Some(0));
        assert_eq!(position(&store, b"b", b"two"), Some(1));
        assert_eq!(position(&store, b"a", b"two"), Some(2));
        assert_eq!(position(&store, b"a", b"three"), None);
    }

    #[test]
    fn lowercase_like_go() {
        assert_eq!(go_to_lower("ÉCOLE"), "école");
        assert_eq!(go_to_lower("İstanbul"), "istanbul");
        assert_eq!(go_to_lower("ΣΑΣ"), "σασ"); // Go has no final-sigma rule
        assert!(matches!(go_to_lower("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn bad_data_is_an_error() {
        assert!(matches!(UserStore::from_json(b"{"), Err(Error::Parse(_))));
        assert!(matches!(UserStore::from_json(b"{}"), Err(Error::Parse(_))));
        let bad_b64 = br#"[{"opaque":{"map":{"uid":{"decoder":"plain","value":"%%%"}}}}]"#;
        let err = UserStore::from_json(bad_b64).unwrap_err();
        assert!(err.to_string().contains("user 0: opaque.map.uid"), "{err}");
        let missing = UserStore::from_file(std::path::Path::new("/nonexistent/users.json"));
        assert!(matches!(missing, Err(Error::Io { .. })));
        assert_eq!(UserStore::from_json(b"[]").unwrap().users().len(), 0);
    }

    #[test]
    fn non_plain_uid_is_not_a_claim() {
        let json =
            br#"[{"username":"x","opaque":{"map":{"uid":{"decoder":"json","value":"MTIz"}}}}]"#;
        let store = UserStore::from_json(json).unwrap();
        assert_eq!(store.users()[0].uid, "");
        assert!(store.get_user_by_claim(Claim::Uid, b"123").is_none());
    }
}
