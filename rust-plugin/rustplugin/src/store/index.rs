//! The store's exact-match index: open addressing over the distinct keys, each with the chain of
//! users holding it in file order. The lookups are `#[inline]`: in a module of their own they may
//! land in another codegen unit than the queries, and the instruction gate saw GetUser grow by 15
//! instructions (+4.7%) when they were not inlined.

use std::hash::BuildHasher;

use rp_ffi_core::words::same_bytes;
use rustc_hash::FxBuildHasher;

use super::{Field, User};

/// An exact-match index from a string key to the users holding it, in file order.
///
/// Open addressing with linear probing over 8-byte slots, one per *distinct* key: 32 bits of the
/// key's hash and the key's number. The keys themselves are not stored: a key's chain remembers the
/// user and field it was first read from. The chain lists the users holding the key in file order,
/// so "first match wins" is its head. Each distinct key is inserted once, so many users sharing a
/// key (no mail, duplicate ids) make one long chain, not one long probe run: loading stays linear
/// and a missing key still costs one short probe.
#[derive(Debug)]
pub(super) struct HashIndex {
    slots: Box<[Slot]>,
    mask: usize,
    chains: Vec<Chain>,
    /// The chain links: a user, and the next entry of the same key (`EMPTY` at the end).
    entries: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    tag: u32,
    chain: u32,
}

#[derive(Debug, Clone, Copy)]
struct Chain {
    first: u32,
    last: u32,
    /// Where the key is: this field of `user`, the first user holding it (the user of entry
    /// `first`, kept here too: a lookup reads the key without reading the entry).
    user: u32,
    field: Field,
}

const EMPTY: u32 = u32::MAX;

impl HashIndex {
    /// An index for up to `keys` keys, at most half full.
    pub(super) fn with_capacity(keys: usize) -> HashIndex {
        let size = (keys.max(4) * 2).next_power_of_two();
        HashIndex {
            slots: vec![
                Slot {
                    tag: 0,
                    chain: EMPTY
                };
                size
            ]
            .into_boxed_slice(),
            mask: size - 1,
            chains: Vec::new(),
            entries: Vec::with_capacity(keys),
        }
    }

    /// Adds `users[user]` (users come in file order) under the value of its `field`.
    pub(super) fn insert(&mut self, users: &[User], user: u32, field: Field) {
        let key = field.of(&users[user as usize]);
        let entry = self.entries.len() as u32; // below EMPTY: UserStore::from_users checks the count
        self.entries.push((user, EMPTY));
        match self.find(users, key) {
            Ok(chain) => {
                let chain = &mut self.chains[chain];
                self.entries[chain.last as usize].1 = entry;
                chain.last = entry;
            }
            Err((position, tag)) => {
                self.slots[position] = Slot {
                    tag,
                    chain: self.chains.len() as u32,
                };
                self.chains.push(Chain {
                    first: entry,
                    last: entry,
                    user,
                    field,
                });
            }
        }
    }

    /// The chain of `key`, or the free slot where it would go and its tag.
    #[inline]
    pub(super) fn find(&self, users: &[User], key: &[u8]) -> Result<usize, (usize, u32)> {
        let hash = key_hash(key);
        let tag = (hash >> 32) as u32;
        let mut position = hash as usize & self.mask;
        loop {
            let slot = self.slots[position];
            if slot.chain == EMPTY {
                return Err((position, tag));
            }
            // The tag first: a slot of another key is passed without reading its chain.
            if slot.tag == tag {
                let chain = &self.chains[slot.chain as usize];
                if same_bytes(chain.field.of(&users[chain.user as usize]), key) {
                    return Ok(slot.chain as usize);
                }
            }
            position = (position + 1) & self.mask;
        }
    }

    /// The number of distinct keys (the tests' view of how equal keys are stored).
    #[cfg(test)]
    pub(super) fn distinct_keys(&self) -> usize {
        self.chains.len()
    }

    /// The longest run of occupied slots: the most slots any lookup, found or missing, can probe.
    #[cfg(test)]
    pub(super) fn longest_run(&self) -> usize {
        self.slots
            .split(|slot| slot.chain == EMPTY)
            .map(<[Slot]>::len)
            .max()
            .unwrap_or(0)
    }

    /// The users holding `key`, in file order.
    #[inline]
    pub(super) fn users_with<'a>(
        &'a self,
        users: &[User],
        key: &[u8],
    ) -> impl Iterator<Item = usize> + 'a {
        let mut entry = self
            .find(users, key)
            .map_or(EMPTY, |chain| self.chains[chain].first);
        std::iter::from_fn(move || {
            let (user, next) = *self.entries.get(entry as usize)?;
            entry = next;
            Some(user as usize)
        })
    }
}

#[inline]
fn key_hash(key: &[u8]) -> u64 {
    FxBuildHasher.hash_one(key)
}
