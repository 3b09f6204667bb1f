//! ABI 1.1's response: built in the plugin's own memory while the handler runs, then lent to the
//! host until `release_response` (and kept for reuse by the instance).

use rp_ffi_core::string::rp_str;

use crate::abi::*;
use crate::header;

/// A 1.1 response while the handler builds it, then while the host copies it. Instances keep the
/// released ones for reuse, so that a request allocates nothing here once they have grown.
#[derive(Default)]
pub(super) struct OwnedResponse {
    pub(super) status: u16,
    /// Every header's name then value, back to back.
    pub(super) header_bytes: Vec<u8>,
    /// Where each header sits in `header_bytes`: start, name length, value length.
    pub(super) headers: Vec<(usize, usize, usize)>,
    pub(super) body: Vec<u8>,
    /// Views of the headers, built when the handler is done.
    pub(super) views: Vec<rp_http_header>,
}

/// The most released responses an instance keeps, and the largest body buffer it keeps: enough for
/// the requests a host runs at once, without holding on to a rare large response.
pub(super) const SPARE_RESPONSES: usize = 64;
pub(super) const SPARE_BODY_BYTES: usize = 64 << 10;

impl OwnedResponse {
    pub(super) fn reset(&mut self) {
        self.status = 200;
        self.header_bytes.clear();
        self.headers.clear();
        self.body.clear();
        self.views.clear();
    }

    pub(super) fn set_header(&mut self, name: &str, value: &[u8]) {
        let bytes = &self.header_bytes;
        self.headers.retain(|&(start, name_len, _)| {
            !header::eq_ignore_ascii_case(&bytes[start..start + name_len], name.as_bytes())
        });
        self.headers
            .push((self.header_bytes.len(), name.len(), value.len()));
        self.header_bytes.extend_from_slice(name.as_bytes());
        self.header_bytes.extend_from_slice(value);
    }

    /// Fills `views` and returns the C view of the response; valid while `self` is not changed.
    pub(super) fn publish(&mut self) -> rp_http_response_data {
        let bytes = &self.header_bytes;
        let view = |from: usize, len: usize| rp_str {
            ptr: bytes[from..from + len].as_ptr().cast(),
            len,
        };
        self.views
            .extend(
                self.headers
                    .iter()
                    .map(|&(start, name_len, value_len)| rp_http_header {
                        name: view(start, name_len),
                        value: view(start + name_len, value_len),
                    }),
            );
        rp_http_response_data {
            status: i32::from(self.status),
            headers: self.views.as_ptr(),
            header_count: self.views.len(),
            body: rp_str {
                ptr: self.body.as_ptr().cast(),
                len: self.body.len(),
            },
            plugin_data: std::ptr::null_mut(),
        }
    }
}
