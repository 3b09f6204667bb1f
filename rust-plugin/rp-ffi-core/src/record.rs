//! The user record both hosts without pointers into the store read (the Wasm guest's `rp_um_user`,
//! the plugin server's user answers): a little-endian `u32` count of strings, their `u32`
//! lengths, then their bytes end to end: opaque id, idp, username, mail, display name, uid, gid,
//! then the groups. The Go decoder is `usermanager.DecodeRecord`.

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

#[cfg(test)]
mod tests {
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
