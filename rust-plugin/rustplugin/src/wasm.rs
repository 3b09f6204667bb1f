//! The user store behind the Wasm guest ABI (`rp_ffi_core::wasm`, kind `user-manager`), with
//! `Add` (the same function as in the C ABI: [`crate::add`]).
//!
//! One instance holds one store. Lookups return the user's index; the host reads a user once with
//! `rp_um_user` and keeps its own copy by index (the `shared` contract), so a lookup moves no user
//! data across the boundary. A user's result is, in little-endian `u32`s: the number of strings
//! (7 + groups), the length of each, then their bytes: opaque id, idp, username, mail, display
//! name, uid, gid (empty when absent), then the groups.

use std::cell::RefCell;

use rp_ffi_core::wasm::guest::{outcome, set_result, with_input};

use crate::error::Error;
use crate::store::{Claim, User, UserStore};

rp_ffi_core::wasm_abi_section!("user-manager");

/// `Add`, exported under the Go original's name as in the C ABI.
/// cbindgen:ignore
#[no_mangle]
pub extern "C" fn Add(a: i64, b: i64) -> i64 {
    crate::add(a, b)
}

thread_local! {
    static STORE: RefCell<Option<UserStore>> = const { RefCell::new(None) };
}

/// Runs `query` on the loaded store.
fn with_store(query: impl FnOnce(&UserStore) -> Result<u32, Error>) -> i32 {
    outcome(STORE.with_borrow(|store| match store {
        Some(store) => query(store),
        None => Err(Error::InvalidArgument(
            "no users are loaded: call rp_um_load or rp_um_load_demo first".into(),
        )),
    }))
}

fn load(store: Result<UserStore, Error>) -> i32 {
    outcome(store.map(|store| {
        let count = store.users().len() as u32;
        STORE.set(Some(store));
        count
    }))
}

/// Loads the reva JSON user list in the input buffer's first `json_len` bytes; returns the number
/// of users. A failure keeps the store loaded before, if any.
#[no_mangle]
pub extern "C" fn rp_um_load(json_len: u32) -> i32 {
    load(
        with_input([json_len], |[json]| UserStore::from_json(json))
            .unwrap_or_else(|e| Err(e.into())),
    )
}

/// Loads the built-in demo users; returns their number.
#[no_mangle]
pub extern "C" fn rp_um_load_demo() -> i32 {
    load(Ok(UserStore::demo()))
}

/// The number of users loaded (0 before a load).
#[no_mangle]
pub extern "C" fn rp_um_user_count() -> i32 {
    STORE.with_borrow(|store| store.as_ref().map_or(0, |s| s.users().len() as i32))
}

/// reva's GetUser: the index of the user; arguments: opaque id, idp.
#[no_mangle]
pub extern "C" fn rp_um_get_user(id_len: u32, idp_len: u32) -> i32 {
    find_user(
        [id_len, idp_len],
        UserStore::get_user,
        UserStore::lookup_user,
    )
}

/// reva's GetUserByClaim: the index of the user; arguments: claim, value.
#[no_mangle]
pub extern "C" fn rp_um_get_user_by_claim(claim_len: u32, value_len: u32) -> i32 {
    find_user(
        [claim_len, value_len],
        |store, claim, value| store.get_user_by_claim(Claim::from_bytes(claim)?, value),
        UserStore::lookup_user_by_claim,
    )
}

/// The index of the user `find` finds by the two arguments; when there is none, the error
/// `lookup` reports for them (the same query, out of line: a miss is rare, and its message needs
/// the arguments checked). The hit's path carries no `Error`: under a JIT each of its moves
/// through the guest's stack is an instruction or two.
#[inline(always)]
fn find_user(
    lengths: [u32; 2],
    find: impl for<'s> Fn(&'s UserStore, &[u8], &[u8]) -> Option<&'s User>,
    lookup: impl for<'s> Fn(&'s UserStore, &[u8], &[u8]) -> Result<&'s User, Error>,
) -> i32 {
    let found = STORE.with_borrow(|store| {
        let store = store.as_ref()?;
        let user = with_input(lengths, |[a, b]| find(store, a, b)).ok()??;
        Some(store.index_of(user) as i32)
    });
    found.unwrap_or_else(|| why_not_found(lengths, lookup))
}

#[cold]
#[inline(never)]
fn why_not_found(
    lengths: [u32; 2],
    lookup: impl for<'s> Fn(&'s UserStore, &[u8], &[u8]) -> Result<&'s User, Error>,
) -> i32 {
    with_store(|store| {
        let user = with_input(lengths, |[a, b]| lookup(store, a, b))??;
        Ok(store.index_of(user) as u32)
    })
}

/// reva's FindUsers: the number of matches; the result holds their indices.
#[no_mangle]
pub extern "C" fn rp_um_find_users(query_len: u32) -> i32 {
    with_store(|store| {
        with_input([query_len], |[query]| {
            let query = rp_ffi_core::string::utf8(query, "query")?;
            let mut count = 0;
            set_result(|bytes| {
                store.find_users(query, |user| {
                    bytes.extend_from_slice(&(store.index_of(user) as u32).to_le_bytes());
                    count += 1;
                });
            });
            Ok(count)
        })?
    })
}

/// Writes user `index` as the result (see the module documentation).
#[no_mangle]
pub extern "C" fn rp_um_user(index: u32) -> i32 {
    with_store(|store| {
        let user = store.users().get(index as usize).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "user index {index} is out of range: there are {} users",
                store.users().len()
            ))
        })?;
        set_result(|bytes| encode_user(user, bytes));
        Ok(0)
    })
}

fn encode_user(user: &User, bytes: &mut Vec<u8>) {
    let fields = [
        user.opaque_id.as_str(),
        &user.idp,
        &user.username,
        &user.mail,
        &user.display_name,
        &user.uid,
        &user.gid,
    ];
    let strings = fields
        .into_iter()
        .chain(user.groups.iter().map(|group| group.as_str()))
        .map(str::as_bytes);
    rp_ffi_core::record::encode(strings, bytes);
}
