//! reva's JSON user file, as serde reads it, and its decoding into the store's users (the
//! "plain" uid and gid of `opaque.map`, the file's limits on each field).
//!
//! Each user is decoded as soon as it is read, and what the store does not keep (the opaque map's
//! keys, decoders and base64 values) is borrowed from the file's bytes, not copied: at 10^6 users
//! the load spent a third of its time in malloc and free (a list of every JSON user, a `HashMap`
//! and six strings per user that were thrown away), 3.5 s in all before.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::User;
use crate::error::Error;

/// Parses a JSON array of reva users into the store's users, in file order.
pub(super) fn parse_users(json: &[u8]) -> Result<Vec<User>, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    deserializer
        .deserialize_seq(UsersVisitor)
        .and_then(|users| deserializer.end().map(|()| users))
        .map_err(|e| Error::Parse(e.to_string()))
}

struct UsersVisitor;

impl<'de> Visitor<'de> for UsersVisitor {
    type Value = Vec<User>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence of reva users")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut users: A) -> Result<Vec<User>, A::Error> {
        let mut decoded = Vec::new();
        while let Some(user) = users.next_element::<JsonUser>()? {
            decoded.push(user.decode(decoded.len()).map_err(de::Error::custom)?);
        }
        Ok(decoded)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonUser<'a> {
    id: JsonUserId,
    username: String,
    mail: String,
    display_name: String,
    groups: Vec<String>,
    #[serde(borrow)]
    opaque: JsonOpaque<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonUserId {
    opaque_id: String,
    idp: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonOpaque<'a> {
    #[serde(borrow)]
    map: PlainIds<'a>,
}

/// The `uid` and `gid` entries of `opaque.map`. Every entry is read as an entry (one of another
/// shape is an error, as it is for reva), the others are then dropped; of a key given twice, the
/// last entry counts (as a map would keep it).
#[derive(Default)]
struct PlainIds<'a> {
    uid: Option<JsonOpaqueEntry<'a>>,
    gid: Option<JsonOpaqueEntry<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonOpaqueEntry<'a> {
    #[serde(borrow)]
    decoder: Cow<'a, str>,
    /// protobuf `bytes`: base64 in JSON.
    #[serde(borrow)]
    value: Cow<'a, str>,
}

/// A map key, borrowed from the file unless it holds escapes.
#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for PlainIds<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<'a>(PhantomData<PlainIds<'a>>);

        impl<'de: 'a, 'a> Visitor<'de> for EntriesVisitor<'a> {
            type Value = PlainIds<'a>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of opaque entries")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut entries: A,
            ) -> Result<PlainIds<'a>, A::Error> {
                let mut ids = PlainIds::default();
                while let Some(Key(key)) = entries.next_key()? {
                    let entry: JsonOpaqueEntry = entries.next_value()?;
                    match &*key {
                        "uid" => ids.uid = Some(entry),
                        "gid" => ids.gid = Some(entry),
                        _ => {}
                    }
                }
                Ok(ids)
            }
        }

        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

impl JsonUser<'_> {
    /// The store's user; the error names user `index` and the field.
    fn decode(self, index: usize) -> Result<User, String> {
        let plain = |key: &str, entry: Option<JsonOpaqueEntry>| -> Result<String, String> {
            match entry {
                Some(entry) if entry.decoder == "plain" => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(entry.value.as_bytes())
                        .map_err(|e| {
                            format!("user {index}: opaque.map.{key}.value is not base64: {e}")
                        })?;
                    String::from_utf8(bytes).map_err(|_| {
                        format!("user {index}: opaque.map.{key}.value does not decode to UTF-8")
                    })
                }
                _ => Ok(String::new()),
            }
        };
        let uid = plain("uid", self.opaque.map.uid)?;
        let gid = plain("gid", self.opaque.map.gid)?;
        Ok(User {
            opaque_id: self.id.opaque_id.into(),
            idp: self.id.idp.into(),
            username: self.username.into(),
            mail: self.mail.into(),
            display_name: self.display_name.into(),
            groups: self.groups.into(),
            uid: uid.into(),
            gid: gid.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_users;

    #[test]
    fn escapes_in_borrowed_strings_are_decoded() {
        // "uid" and "plain" spelled with escapes, the value "MTIz" (123) too.
        let json =
            br#"[{"opaque":{"map":{"\u0075id":{"decoder":"pl\u0061in","value":"MT\u0049z"}}}}]"#;
        assert_eq!(parse_users(json).unwrap()[0].uid, "123");
    }

    #[test]
    fn the_last_entry_of_a_key_counts() {
        let json = br#"[{"opaque":{"map":{"gid":{"decoder":"plain","value":"MQ=="},"gid":{"decoder":"plain","value":"Mg=="}}}}]"#;
        assert_eq!(parse_users(json).unwrap()[0].gid, "2");
    }

    #[test]
    fn malformed_data_is_refused_where_reva_refuses_it() {
        for (json, why) in [
            (&br#"[{"opaque":{"map":{"other":5}}}]"#[..], "invalid type"),
            (br#"[{"username":null}]"#, "invalid type"),
            (br#"[{"groups":"a"}]"#, "invalid type"),
            (br#"[] []"#, "trailing characters"),
            (br#"{}"#, "invalid type"),
            (
                br#"[{"opaque":{"map":{"uid":{"decoder":"plain","value":"/w=="}}}}]"#,
                "user 0: opaque.map.uid.value does not decode to UTF-8",
            ),
        ] {
            let err = parse_users(json).unwrap_err().to_string();
            assert!(
                err.contains(why),
                "{}: {err}",
                String::from_utf8_lossy(json)
            );
        }
    }
}
