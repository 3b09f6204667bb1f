//! The user record both hosts without pointers into the store read (the Wasm guest's `rp_um_user`,
//! the plugin server's user answers): a little-endian `u32` count of strings, their `u32`
//! lengths, then their bytes end to end: opaque id, idp, username, mail, display name, uid, gid,
//! then the groups. [`encode`] lays it out, [`decode`] reads it back; the Go decoder is
//! `usermanager.DecodeRecord`.

/// The fixed fields before the groups.
pub const FIXED_FIELDS: usize = 7;

/// Appends the record of `strings` (the fixed fields, then the groups) to `out`.
pub fn encode<'a>(strings: impl Iterator<Item = &'a [u8]> + Clone, out: &mut Vec<u8>) {
    out.extend_from_slice(&(strings.clone().count() as u32).to_le_bytes());
    for s in strings.clone() {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    }
    for s in strings {
        out.extend_from_slice(s);
    }
}

/// The strings of a record, each checked against the record's own length before anything is
/// sized by it: `None` for a record whose count or lengths run past its end (a guest's or a
/// server's lie). The caller checks the fields it needs (at least [`FIXED_FIELDS`]).
pub fn decode(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let word = |i: usize| -> Option<usize> {
        Some(u32::from_le_bytes(bytes.get(4 * i..4 * i + 4)?.try_into().ok()?) as usize)
    };
    let count = word(0).filter(|&n| n <= bytes.len().saturating_sub(4) / 4)?;
    let mut at = 4 + 4 * count;
    (0..count)
        .map(|i| {
            let len = word(1 + i)?;
            let text = bytes.get(at..at.checked_add(len)?)?;
            at += len;
            Some(text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decode_gives_back_what_encode_laid_out() {
        let strings = [&b"id"[..], b"", b"idp", b"x"];
        let mut out = Vec::new();
        super::encode(strings.into_iter(), &mut out);
        assert_eq!(super::decode(&out).unwrap(), strings);
        assert_eq!(
            super::decode(&out[..out.len() - 1]),
            None,
            "a string cut short"
        );
        assert_eq!(super::decode(&out[..3]), None, "no count");
    }

    #[test]
    fn counts_then_lengths_then_bytes() {
        let mut out = Vec::new();
        super::encode([&b"ab"[..], b"", b"c"].into_iter(), &mut out);
        assert_eq!(
            out,
            [3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, b'a', b'b', b'c']
        );
    }
}
