//! The indexed store must answer exactly as reva's linear scans do (ported literally below), on
//! generated data with duplicate keys, across many queries.

use gen_users::generate_users;
use rustplugin::store::{Claim, User, UserStore};

#[path = "support/reva.rs"]
mod reva;
use reva::{found_users, reva_find_users, reva_get_user, reva_get_user_by_claim};

/// Generated users plus deliberate duplicates: a username equal to another user's opaque id,
/// repeated mails and uids, and a non-ASCII display name.
fn tricky_users() -> Vec<User> {
    let mut users = generate_users(2000, 42).unwrap();
    let first_id = users[0].opaque_id.clone();
    users[1500].username = first_id;
    users[1600].mail = users[10].mail.clone();
    users[1700].uid = users[20].uid.clone();
    users[1800].display_name = "İlhan Şahin ÉCOLE".into();
    users[1900].uid = "".into();
    users
}

#[test]
fn indexed_answers_equal_reva_scans() {
    let users = tricky_users();
    let store = UserStore::from_users(users.clone()).unwrap();
    let idps = [
        "",
        "cernbox.cern.ch",
        "cesnet.cz",
        "example.org",
        "example.com",
        "nowhere",
    ];
    for (i, user) in users.iter().enumerate().step_by(7) {
        for key in [&user.opaque_id, &user.username, &user.mail] {
            for idp in idps {
                assert_eq!(
                    store.get_user(key.as_bytes(), idp.as_bytes()),
                    reva_get_user(&users, key, idp),
                    "GetUser({key:?}, {idp:?}) for user {i}"
                );
                assert_eq!(
                    store.get_user_groups(key.as_bytes(), idp.as_bytes()),
                    reva_get_user(&users, key, idp).map(|u| &u.groups)
                );
            }
        }
        for (claim, value) in [
            (Claim::Mail, user.mail.as_str()),
            (Claim::Username, user.username.as_str()),
            (
                Claim::Uid,
                Some(user.uid.as_str())
                    .filter(|uid| !uid.is_empty())
                    .unwrap_or("none"),
            ),
        ] {
            let name = format!("{claim:?}").to_lowercase();
            assert_eq!(
                store.get_user_by_claim(claim, value.as_bytes()),
                reva_get_user_by_claim(&users, &name, value),
                "GetUserByClaim({name}, {value:?})"
            );
        }
    }
    for query in [
        "",
        "einstein",
        "ADA",
        "lovelace1",
        "@cesnet",
        "-4",
        "école",
        "İlhan",
        "ilhan",
        "zzz",
        "a",
        "n\0a",
    ] {
        assert_eq!(
            found_users(&store, query),
            reva_find_users(&users, query),
            "FindUsers({query:?})"
        );
    }
}

#[test]
fn duplicates_resolve_to_the_first_user_in_file_order() {
    let users = tricky_users();
    let store = UserStore::from_users(users.clone()).unwrap();
    let by_id = store.get_user(users[0].opaque_id.as_bytes(), b"").unwrap();
    assert_eq!(by_id, &users[0]);
    let by_mail = store
        .get_user_by_claim(Claim::Mail, users[10].mail.as_bytes())
        .unwrap();
    assert_eq!(by_mail, &users[10]);
}
