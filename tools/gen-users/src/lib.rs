//! A deterministic generator of reva user files, for tests and for benchmarks over 10^3..10^6 users.
//!
//! The same `(count, seed)` always gives the same bytes. The four demo users (einstein, marie,
//! richard, test) sit in the middle of every generated list (`generate_users(4, _)` is the demo
//! data), and no generated name contains "einstein". [`draw_keys`] is the benchmarks' key schedule:
//! the users every harness asks for, in order, at every size.

use std::io::{self, Write};

use base64::Engine as _;
use serde::Serialize;

use rustplugin::store::{User, UserStore};
use rustplugin::Error;

const GIVEN: &[&str] = &[
    "ada",
    "alan",
    "barbara",
    "claude",
    "dorothy",
    "edsger",
    "emmy",
    "grace",
    "john",
    "katherine",
    "leslie",
    "lise",
    "niels",
    "paul",
    "rosalind",
    "srinivasa",
    "tim",
    "werner",
    "wolfgang",
    "yuri",
];
const FAMILY: &[&str] = &[
    "lovelace",
    "turing",
    "liskov",
    "shannon",
    "hodgkin",
    "dijkstra",
    "noether",
    "hopper",
    "neumann",
    "johnson",
    "lamport",
    "meitner",
    "bohr",
    "dirac",
    "franklin",
    "ramanujan",
    "berners",
    "heisenberg",
    "pauli",
    "gagarin",
];
const IDPS: &[&str] = &["cernbox.cern.ch", "cesnet.cz", "example.org", "example.com"];
const HOBBIES: &[&str] = &[
    "sailing",
    "violin",
    "physics",
    "radium",
    "polonium",
    "quantum",
    "philosophy",
    "chess",
    "opera",
    "hiking",
    "poetry",
    "tennis",
    "cooking",
    "astronomy",
    "cycling",
    "origami",
];

/// splitmix64: tiny, fast and good enough to vary test data; no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// `count` users (at least 4): generated ones with the four demo users in the middle.
pub fn generate_users(count: usize, seed: u64) -> Result<Vec<User>, Error> {
    let demo = UserStore::demo().users().to_vec();
    if count < demo.len() {
        return Err(Error::InvalidArgument(format!(
            "cannot generate {count} users: the data always holds the {} demo users",
            demo.len()
        )));
    }
    let mut rng = SplitMix64(seed);
    let generated = count - demo.len();
    let mut users: Vec<User> = (0..generated)
        .map(|i| generated_user(&mut rng, i))
        .collect();
    let middle = generated / 2;
    users.splice(middle..middle, demo);
    Ok(users)
}

fn generated_user(rng: &mut SplitMix64, i: usize) -> User {
    let (given, family) = (rng.pick(GIVEN), rng.pick(FAMILY));
    let (hi, lo) = (rng.next(), rng.next());
    let opaque_id = format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xfff,
        0x8000 | (lo >> 48) & 0x3fff,
        lo & 0xffff_ffff_ffff
    );
    let username = format!("{given}.{family}{i}");
    let idp = rng.pick(IDPS);
    let mut groups: Vec<String> = Vec::with_capacity(3);
    while groups.len() < 3 {
        let mood = if rng.next() % 2 == 0 {
            "lovers"
        } else {
            "haters"
        };
        let group = format!("{}-{mood}", rng.pick(HOBBIES));
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    User {
        mail: format!("{username}@{idp}").into(),
        display_name: format!("{} {}", capitalize(given), capitalize(family)).into(),
        opaque_id: opaque_id.into(),
        idp: idp.into(),
        username: username.into(),
        groups: groups.into(),
        uid: (10_000 + i).to_string().into(),
        gid: (100 + rng.next() % 50).to_string().into(),
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct JsonUser<'a> {
    id: JsonUserId<'a>,
    username: &'a str,
    mail: &'a str,
    display_name: &'a str,
    groups: Vec<&'a str>,
    opaque: JsonOpaque,
}

#[derive(Serialize)]
struct JsonUserId<'a> {
    opaque_id: &'a str,
    idp: &'a str,
}

#[derive(Serialize)]
struct JsonOpaque {
    map: std::collections::BTreeMap<&'static str, JsonOpaqueEntry>,
}

#[derive(Serialize)]
struct JsonOpaqueEntry {
    decoder: &'static str,
    value: String,
}

/// Writes users as a reva JSON user file, one user per line.
pub fn write_users_json(users: &[User], mut out: impl Write) -> io::Result<()> {
    out.write_all(b"[\n")?;
    for (i, user) in users.iter().enumerate() {
        let mut map = std::collections::BTreeMap::new();
        for (key, value) in [("uid", &user.uid), ("gid", &user.gid)] {
            if !value.is_empty() {
                let value = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
                map.insert(
                    key,
                    JsonOpaqueEntry {
                        decoder: "plain",
                        value,
                    },
                );
            }
        }
        let json = JsonUser {
            id: JsonUserId {
                opaque_id: &user.opaque_id,
                idp: &user.idp,
            },
            username: &user.username,
            mail: &user.mail,
            display_name: &user.display_name,
            groups: user.groups.iter().map(|group| group.as_str()).collect(),
            opaque: JsonOpaque { map },
        };
        serde_json::to_writer(&mut out, &json)?;
        out.write_all(if i + 1 < users.len() { b",\n" } else { b"\n" })?;
    }
    out.write_all(b"]\n")
}

/// How many keys [`draw_keys`] draws: every benchmark asks for them in turn (a power of two, so a
/// loop takes key `i & (KEY_COUNT - 1)`).
pub const KEY_COUNT: usize = 1024;

/// One drawn user's identifiers, as each benchmarked method asks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// GetUser's and GetUserGroups' opaque id and idp.
    pub opaque_id: String,
    pub idp: String,
    /// GetUserByClaim("mail", ...).
    pub mail: String,
    /// FindUsers' query: the opaque id in upper case (FindUsers ignores case).
    pub query: String,
}

/// The key schedule of a data set: [`KEY_COUNT`] users drawn at random from `users` (in file
/// order) by splitmix64 seeded with the number of users, so every harness (C++, Go, Rust) asks for
/// the same users in the same order at every size.
pub fn draw_keys(users: &[User]) -> Vec<Key> {
    if users.is_empty() {
        return Vec::new();
    }
    let mut rng = SplitMix64(users.len() as u64);
    (0..KEY_COUNT)
        .map(|_| {
            let user = &users[(rng.next() % users.len() as u64) as usize];
            Key {
                opaque_id: user.opaque_id.to_string(),
                idp: user.idp.to_string(),
                mail: user.mail.to_string(),
                query: user.opaque_id.to_uppercase(),
            }
        })
        .collect()
}

/// Writes keys one per line: opaque id, idp, mail and query, separated by tabs (the format the
/// C++ and Go harnesses read). A field holding a tab or a line break is refused.
pub fn write_keys(keys: &[Key], mut out: impl Write) -> io::Result<()> {
    for key in keys {
        let fields = [&key.opaque_id, &key.idp, &key.mail, &key.query];
        if let Some(bad) = fields.iter().find(|f| f.contains(['\t', '\n', '\r'])) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the key {bad:?} holds a tab or a line break: it cannot be written as a line of tab-separated fields"),
            ));
        }
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            key.opaque_id, key.idp, key.mail, key.query
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many users `FindUsers(query)` finds.
    fn found(store: &rustplugin::UserStore, query: &str) -> usize {
        let mut count = 0;
        store.find_users(query, |_| count += 1);
        count
    }

    fn json(count: usize, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_users_json(&generate_users(count, seed).unwrap(), &mut out).unwrap();
        out
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(json(100, 7), json(100, 7));
        assert_ne!(json(100, 7), json(100, 8));
    }

    #[test]
    fn round_trips_through_the_store_with_demo_users_in_the_middle() {
        let users = generate_users(1000, 1).unwrap();
        let store = UserStore::from_json(&json(1000, 1)).unwrap();
        assert_eq!(store.users(), users.as_slice());
        let einstein = store.get_user(b"4c510ada-c86b-4815-8820-42cdf82c3d51", b"");
        assert_eq!(einstein.map(|u| store.index_of(u)), Some(498));
        assert_eq!(found(&store, "einstein"), 1);
        assert_eq!(
            store
                .get_user_by_claim(rustplugin::store::Claim::Uid, b"10000")
                .unwrap()
                .username,
            users[0].username
        );
    }

    #[test]
    fn keys_are_drawn_from_the_data_and_written_as_lines() {
        let users = generate_users(1000, 1).unwrap();
        let keys = draw_keys(&users);
        assert_eq!(keys.len(), KEY_COUNT);
        assert_eq!(keys, draw_keys(&users), "the same users give the same keys");
        assert_ne!(
            keys,
            draw_keys(&users[..999]),
            "the seed is the number of users"
        );
        let distinct: std::collections::HashSet<_> = keys.iter().map(|k| &k.opaque_id).collect();
        assert!(distinct.len() > 600, "{} distinct users", distinct.len());
        let store = UserStore::from_users(users).unwrap();
        for key in &keys {
            let user = store
                .get_user(key.opaque_id.as_bytes(), key.idp.as_bytes())
                .unwrap();
            assert_eq!(user.mail.as_str(), key.mail);
            assert_eq!(found(&store, &key.query), 1);
        }
        let mut text = Vec::new();
        write_keys(&keys[..2], &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert_eq!(
            text.lines().next().unwrap().split('\t').collect::<Vec<_>>(),
            [
                &keys[0].opaque_id,
                &keys[0].idp,
                &keys[0].mail,
                &keys[0].query
            ]
        );
        let mut bad = keys[0].clone();
        bad.mail.push('\t');
        assert!(write_keys(&[bad], Vec::new()).is_err());
    }

    #[test]
    fn too_few_users_is_an_error() {
        assert!(matches!(
            generate_users(3, 0),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(generate_users(4, 0).unwrap().len(), 4);
    }
}
