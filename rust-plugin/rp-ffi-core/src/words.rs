//! Byte strings read a word (8 bytes, little-endian) at a time, a tail shorter than a word read as
//! the last word of the string, overlapping the one before: comparisons and scans whose loops turn
//! once a word, inline. A slice comparison is a call to `bcmp` natively (measured in the user
//! store's batch: 16% of its time for 36-byte keys) and a byte loop in Wasm, where each turn is
//! JIT code and, under wazero with a deadline, a round trip to Go (about 40 ns).

#[inline]
fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
}

#[inline]
fn half(bytes: &[u8]) -> u64 {
    u64::from(u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")))
}

/// `a == b`.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    same_words(a, b, |word| word)
}

/// Whether `a` and `b` have the same length and the same image by `map` of each of their words at
/// the same offsets: the whole words, then the last 8 bytes; a string of 4 to 7 bytes as its first
/// and last 4, one shorter byte by byte (zero-extended). So `map` must map each byte on its own,
/// as [`u8::to_ascii_lowercase`] does.
#[inline]
pub fn same_words(a: &[u8], b: &[u8], map: impl Fn(u64) -> u64) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let same = |x: u64, y: u64| map(x) == map(y);
    match len {
        8.. => {
            a.chunks_exact(8)
                .zip(b.chunks_exact(8))
                .all(|(x, y)| same(word(x), word(y)))
                && same(word(&a[len - 8..]), word(&b[len - 8..]))
        }
        4.. => same(half(a), half(b)) && same(half(&a[len - 4..]), half(&b[len - 4..])),
        _ => a.iter().zip(b).all(|(&x, &y)| same(x.into(), y.into())),
    }
}

/// The words of `bytes`, for a scan: each whole word, then the last 8 bytes when the length is not
/// a multiple of 8; a string shorter than a word is one word, filled up with `pad`.
#[inline]
pub fn words(bytes: &[u8], pad: u8) -> impl Iterator<Item = u64> + '_ {
    let len = bytes.len();
    let tail = match len % 8 {
        0 => None,
        _ if len > 8 => Some(word(&bytes[len - 8..])),
        _ => {
            let mut padded = [pad; 8];
            padded[..len].copy_from_slice(bytes);
            Some(u64::from_le_bytes(padded))
        }
    };
    bytes.chunks_exact(8).map(word).chain(tail)
}

#[cfg(test)]
mod tests {
    use super::{same_bytes, same_words, words};

    #[test]
    fn same_bytes_is_slice_equality() {
        let text = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..text.len() {
            let a = &text[..len];
            assert!(same_bytes(a, a), "{len}");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!same_bytes(a, &b), "length {len}, byte {at} differs");
            }
            assert!(!same_bytes(a, &text[..len + 1]));
        }
    }

    /// `map` sees every byte: one that maps a byte at any offset of any word shape changes the
    /// answer.
    #[test]
    fn same_words_maps_every_byte() {
        let text = b"0123456789abcdefghij";
        for len in 1..text.len() {
            let a = &text[..len];
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] = b'#';
                let hash_is_zero = |word: u64| {
                    let bytes = word.to_le_bytes().map(|c| if c == b'#' { b'0' } else { c });
                    u64::from_le_bytes(bytes)
                };
                assert_eq!(
                    same_words(a, &b, hash_is_zero),
                    a[at] == b'0',
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn words_cover_the_string() {
        for len in 0..20 {
            let text: Vec<u8> = (1..=len as u8).collect();
            let bytes: Vec<u8> = words(&text, 0xee).flat_map(u64::to_le_bytes).collect();
            let expected = match len {
                0 => vec![],
                1..8 => [&text[..], &vec![0xee; 8 - len]].concat(),
                _ if len % 8 == 0 => text.clone(),
                _ => [&text[..len / 8 * 8], &text[len - 8..]].concat(),
            };
            assert_eq!(bytes, expected, "length {len}");
        }
    }
}
