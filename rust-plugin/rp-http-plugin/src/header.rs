//! Header names and values read a word (8 bytes) at a time: the checks and comparisons that every
//! request runs, in loops that turn once a word, not once a byte. In a Wasm guest under wazero
//! each loop turn of a call with a deadline (a gateway route's) leaves the guest for Go and comes
//! back, to see whether the call was stopped (wazero's `check_module_exit_code`, about 40 ns):
//! byte by byte, the echo plugin's request took 76 such turns, a word at a time 23.

use rp_ffi_core::words::{same_words, words};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// Whether a byte of `word` is 0 (exact: the borrows it can carry never make a false answer).
#[inline]
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGH != 0
}

/// `word` with its ASCII capitals made small, as [`u8::to_ascii_lowercase`] does to each byte.
#[inline]
fn ascii_lowercase(word: u64) -> u64 {
    let low7 = word & !HIGH;
    let at_least_a = low7 + ONES * u64::from(0x80 - b'A'); // high bit: the byte is >= 'A'
    let past_z = low7 + ONES * u64::from(0x80 - b'Z' - 1); // high bit: the byte is > 'Z'
    let capital = at_least_a & !past_z & !word & HIGH; // and below 0x80
    word | (capital >> 2)
}

/// `a.eq_ignore_ascii_case(b)`, a word at a time.
#[inline]
pub(crate) fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    same_words(a, b, ascii_lowercase)
}

/// RFC 9110's tchar: visible ASCII but the delimiters `"(),/:;<=>?@[\]{}`.
const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = b'!';
    while c <= b'~' {
        table[c as usize] = true;
        c += 1;
    }
    let delimiters = b"\"(),/:;<=>?@[\\]{}";
    let mut i = 0;
    while i < delimiters.len() {
        table[delimiters[i] as usize] = false;
        i += 1;
    }
    table
};

/// Whether HTTP/1.1 can send `name: value`: a token name (RFC 9110), a value without CR, LF or
/// NUL. The checks a host's `set_header` makes, so that 1.0 and 1.1 hosts refuse the same headers,
/// and the Go gateway's `validHeader` (net/http's rule).
pub(crate) fn sendable(name: &[u8], value: &[u8]) -> bool {
    // Eight table lookups, unrolled (the array's length is known): no loop turn per byte.
    let token = |word: u64| word.to_le_bytes().iter().all(|&c| TOKEN[usize::from(c)]);
    let clean = |word: u64| {
        !has_zero_byte(word)
            && !has_zero_byte(word ^ (ONES * u64::from(b'\r')))
            && !has_zero_byte(word ^ (ONES * u64::from(b'\n')))
    };
    !name.is_empty() && words(name, b'!').all(token) && words(value, b' ').all(clean)
}

#[cfg(test)]
mod tests {
    use super::{ascii_lowercase, eq_ignore_ascii_case, sendable};

    /// Every byte value at every position of a word, beside neighbours at the edges of the
    /// capitals and of ASCII, against `u8::to_ascii_lowercase` byte by byte.
    #[test]
    fn ascii_lowercase_is_std_byte_by_byte() {
        for neighbour in [
            0x00, 0xff, b'@', b'A', b'Z', b'[', b'`', b'a', b'z', b'{', 0x7f, 0x80,
        ] {
            for at in 0..8 {
                for c in 0..=255u8 {
                    let mut bytes = [neighbour; 8];
                    bytes[at] = c;
                    let lowered = ascii_lowercase(u64::from_le_bytes(bytes)).to_le_bytes();
                    assert_eq!(lowered, bytes.map(|b| b.to_ascii_lowercase()), "{bytes:?}");
                }
            }
        }
    }

    /// Every byte at every position of strings around the word's size.
    #[test]
    fn eq_ignore_ascii_case_is_std() {
        for len in 0..20 {
            let base: Vec<u8> = (0..len).map(|i| b"aZ-9_x.Q"[i % 8]).collect();
            for at in 0..len {
                for c in 0..=255u8 {
                    let mut other = base.clone();
                    other[at] = c;
                    assert_eq!(
                        eq_ignore_ascii_case(&base, &other),
                        base.eq_ignore_ascii_case(&other),
                        "{base:?} vs {other:?}"
                    );
                }
            }
            assert!(!eq_ignore_ascii_case(
                &base,
                &[base.as_slice(), b"a"].concat()
            ));
        }
    }

    /// The same rule as the Go gateway's validHeader (and net/http's): a token name, a value
    /// without CR, LF or NUL; every byte at every position of names and values around a word.
    #[test]
    fn sendable_headers_are_the_gateways() {
        for len in 1..20 {
            for at in 0..len {
                for c in 0..=255u8 {
                    let mut name = vec![b'X'; len];
                    name[at] = c;
                    let token = c > b' ' && c < 0x7f && !b"()<>@,;:\\\"/[]?={}".contains(&c);
                    assert_eq!(sendable(&name, b"v"), token, "name {name:?}");
                    let mut value = vec![b'v'; len];
                    value[at] = c;
                    let clean = !matches!(c, b'\r' | b'\n' | 0);
                    assert_eq!(sendable(b"X", &value), clean, "value {value:?}");
                }
            }
        }
        assert!(!sendable(b"", b"v"));
        assert!(!sendable("Ä".as_bytes(), b"v"));
        assert!(sendable(b"X", "ümlaut".as_bytes()));
        assert!(sendable(b"X", b""));
    }
}
