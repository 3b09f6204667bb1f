//! The layout of a whole HTTP request and response in one buffer each, shared by the hosts that
//! cannot hand a plugin pointers into their own memory: the Wasm sandbox (guest memory) and the
//! plugin server out of process (shared memory). The Go gateway writes requests in this layout
//! and reads responses in it (`writeResponse`).
//!
//! # The request
//! Little-endian `u32`s: the header count `n`, then `2 + 2n` lengths (method, path, then each
//! header's name and value), then the body's length; then those strings end to end, then the body.
//! This is the layout the gateway already hands to an ABI 1.1 plugin's `serve`, in 32-bit words.
//!
//! # The response
//! Little-endian `u64`s: status, header count `n`, body length, then each header's name and value
//! lengths; then each header's name and value, end to end, then the body.

use rp_ffi_core::status::RP_INVALID_ARGUMENT;

use crate::{header, PluginError};

/// A request laid out as the module documentation says, its lengths checked.
pub struct EncodedRequest<'a> {
    pub method: &'a [u8],
    pub path: &'a [u8],
    pub body: &'a [u8],
    /// The headers' name and value lengths, `u32` pairs.
    header_lengths: &'a [u8],
    /// The headers' names and values, end to end.
    header_bytes: &'a [u8],
}

fn malformed(what: &str) -> PluginError {
    PluginError::with_status(RP_INVALID_ARGUMENT, format!("malformed request: {what}"))
}

impl<'a> EncodedRequest<'a> {
    /// Checks every length of `bytes` and returns the request's parts.
    pub fn decode(bytes: &'a [u8]) -> Result<EncodedRequest<'a>, PluginError> {
        let word = |at: usize| -> Result<usize, PluginError> {
            let word = bytes
                .get(at..at + 4)
                .ok_or_else(|| malformed("cut short"))?;
            Ok(u32::from_le_bytes(word.try_into().expect("4 bytes")) as usize)
        };
        let headers = word(0)?;
        let lengths = headers
            .checked_mul(2)
            .and_then(|n| n.checked_add(3))
            .filter(|&n| n <= bytes.len() / 4)
            .ok_or_else(|| malformed("too many headers"))?;
        let mut text = 4 * (lengths + 1);
        let mut take = |len: usize| -> Result<&'a [u8], PluginError> {
            let field = bytes
                .get(text..text.checked_add(len).ok_or_else(|| malformed("a length"))?)
                .ok_or_else(|| malformed("a length is past the end"))?;
            text += len;
            Ok(field)
        };
        let method = take(word(4)?)?;
        let path = take(word(8)?)?;
        let mut header_total = 0usize;
        for i in 0..2 * headers {
            header_total = header_total
                .checked_add(word(12 + 4 * i)?)
                .ok_or_else(|| malformed("a header length"))?;
        }
        let header_bytes = take(header_total)?;
        let body = take(word(4 * lengths)?)?;
        Ok(EncodedRequest {
            method,
            path,
            body,
            header_lengths: &bytes[12..12 + 8 * headers],
            header_bytes,
        })
    }

    /// Every header's name and value, in order.
    pub fn headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        let mut at = 0;
        self.header_lengths.chunks_exact(8).map(move |pair| {
            let name_len = u32::from_le_bytes(pair[..4].try_into().expect("4 bytes")) as usize;
            let value_len = u32::from_le_bytes(pair[4..].try_into().expect("4 bytes")) as usize;
            let header_bytes: &'a [u8] = self.header_bytes;
            let name = &header_bytes[at..at + name_len];
            let value = &header_bytes[at + name_len..at + name_len + value_len];
            at += name_len + value_len;
            (name, value)
        })
    }

    /// The first value of the header `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .find(|(key, _)| header::eq_ignore_ascii_case(key, name.as_bytes()))
            .map(|(_, value)| value)
    }
}

/// Appends a response laid out as the module documentation says to `out`, in one pass over the
/// headers: room for their lengths first, filled in as their bytes are appended (a Wasm guest
/// under wazero pays a round trip to Go on each loop turn of a call with a deadline).
pub fn encode_response<'h>(
    status: u16,
    headers: impl ExactSizeIterator<Item = (&'h [u8], &'h [u8])>,
    body: &[u8],
    out: &mut Vec<u8>,
) {
    let word = |value: usize| (value as u64).to_le_bytes();
    let count = headers.len();
    for value in [usize::from(status), count, body.len()] {
        out.extend_from_slice(&word(value));
    }
    let start = out.len();
    out.resize(start + 16 * count, 0);
    let mut lengths = start;
    for (name, value) in headers {
        out[lengths..lengths + 8].copy_from_slice(&word(name.len()));
        out[lengths + 8..lengths + 16].copy_from_slice(&word(value.len()));
        lengths += 16;
        out.extend_from_slice(name);
        out.extend_from_slice(value);
    }
    assert_eq!(
        lengths,
        start + 16 * count,
        "an iterator that gave other than its len"
    );
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_decodes_with_its_headers() {
        let mut bytes = Vec::new();
        for n in [1u32, 3, 2, 5, 1, 2] {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        bytes.extend_from_slice(b"GET/aX-Fooaok");
        let request = EncodedRequest::decode(&bytes).unwrap();
        assert_eq!(
            (request.method, request.path, request.body),
            (&b"GET"[..], &b"/a"[..], &b"ok"[..])
        );
        assert_eq!(request.header("x-foo"), Some(&b"a"[..]));
        assert_eq!(request.headers().count(), 1);
        assert!(
            EncodedRequest::decode(&bytes[..bytes.len() - 1]).is_err(),
            "cut short"
        );
        assert!(
            EncodedRequest::decode(&[255; 8]).is_err(),
            "too many headers"
        );
    }
}
