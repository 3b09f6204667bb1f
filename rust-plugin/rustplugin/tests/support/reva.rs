//! reva's JSON user manager ported literally (its linear scans), the reference the indexed store
//! is compared with: by the semantics test on generated data, and by the fuzz target
//! `store_queries` (rust-plugin/fuzz) on any input, whose corpus `make test` replays.

#![allow(dead_code)] // each includer uses its part

use rustplugin::store::{go_to_lower, Claim, User, UserStore};

/// reva's GetUser loop.
pub fn reva_get_user<'a>(users: &'a [User], opaque_id: &str, idp: &str) -> Option<&'a User> {
    users.iter().find(|u| {
        (u.opaque_id == opaque_id || u.username == opaque_id) && (idp.is_empty() || u.idp == idp)
    })
}

/// reva's GetUserByClaim loop with its extractClaim.
pub fn reva_get_user_by_claim<'a>(users: &'a [User], claim: &str, value: &str) -> Option<&'a User> {
    users.iter().find(|u| {
        let field = match claim {
            "mail" => Some(u.mail.as_str()),
            "username" => Some(u.username.as_str()),
            // A user without a (plain) uid has none to match, not the empty one.
            "uid" => Some(u.uid.as_str()).filter(|uid| !uid.is_empty()),
            _ => None,
        };
        field == Some(value)
    })
}

/// reva's FindUsers loop with its userContains.
pub fn reva_find_users<'a>(users: &'a [User], query: &str) -> Vec<&'a User> {
    let query = go_to_lower(query);
    users
        .iter()
        .filter(|u| {
            [&u.username, &u.display_name, &u.mail, &u.opaque_id]
                .iter()
                .any(|f| go_to_lower(f).contains(query.as_ref()))
        })
        .collect()
}

/// The store's FindUsers answer, collected (the store calls back with each user).
pub fn found_users<'a>(store: &'a UserStore, query: &str) -> Vec<&'a User> {
    let mut found = Vec::new();
    store.find_users(query, |user| found.push(user));
    found
}

/// Loads `input` (JSON, then optionally a line `--` and one query per line) and checks every answer
/// of the store against reva's loops: for each query line and for the fields of the first users,
/// as opaque id, username, mail, uid and FindUsers query, with and without each idp. Input that is
/// not user JSON must be refused with an error, never a panic.
pub fn check_store(input: &[u8]) {
    let (json, queries) = match input.windows(4).position(|w| w == b"\n--\n") {
        Some(at) => (&input[..at], &input[at + 4..]),
        None => (input, &[][..]),
    };
    let Ok(store) = UserStore::from_json(json) else {
        return;
    };
    let users = store.users();
    let mut keys: Vec<&[u8]> = queries.split(|&b| b == b'\n').collect();
    let mut idps: Vec<&str> = vec![""];
    for user in users.iter().take(16) {
        keys.extend([
            user.opaque_id.as_bytes(),
            user.username.as_bytes(),
            user.mail.as_bytes(),
        ]);
        keys.push(user.uid.as_bytes());
        idps.push(&user.idp);
    }
    for key in keys.iter().take(64) {
        let Ok(text) = std::str::from_utf8(key) else {
            // Stored strings are UTF-8: no other key can match.
            assert_eq!(store.get_user(key, b""), None);
            assert_eq!(store.get_user_by_claim(Claim::Mail, key), None);
            continue;
        };
        for idp in &idps {
            assert_eq!(
                store.get_user(key, idp.as_bytes()),
                reva_get_user(users, text, idp),
                "GetUser({text:?}, {idp:?})"
            );
        }
        for (claim, name) in [
            (Claim::Mail, "mail"),
            (Claim::Username, "username"),
            (Claim::Uid, "uid"),
        ] {
            assert_eq!(
                store.get_user_by_claim(claim, key),
                reva_get_user_by_claim(users, name, text),
                "GetUserByClaim({name}, {text:?})"
            );
        }
        assert_eq!(
            found_users(&store, text),
            reva_find_users(users, text),
            "FindUsers({text:?})"
        );
    }
}
