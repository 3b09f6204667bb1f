//! An HTTP plugin in the Wasm sandbox: the guest side of the Wasm ABI's kind `http`
//! (`rp_ffi_core::wasm`), which [`export_http_plugin!`](crate::export_http_plugin) exports when
//! the plugin is built for `wasm32`. One Wasm instance is one plugin instance, serving one request
//! at a time; hosts run a pool of instances for parallel requests.
//!
//! # The request (input buffer)
//! Little-endian `u32`s: the header count `n`, then `2 + 2n` lengths (method, path, then each
//! header's name and value), then the body's length; then those strings end to end, then the body.
//! This is the layout the gateway already hands to an ABI 1.1 plugin's `serve`, in 32-bit words.
//!
//! # The response (result of `rp_http_handle`)
//! Little-endian `u64`s: status, header count `n`, body length, then each header's name and value
//! lengths; then each header's name and value, end to end, then the body.

use std::cell::RefCell;
use std::thread::LocalKey;

use rp_ffi_core::status::RP_INVALID_ARGUMENT;
use rp_ffi_core::wasm::guest::{outcome, set_result, with_input};
use rp_ffi_core::ArgError;

use super::{
    out_of_order, HttpPlugin, OwnedResponse, PluginError, Request, RequestSource, Response,
    ResponseSink, CREATED, READY, SPARE_BODY_BYTES,
};

/// A request laid out as the module documentation says, its lengths checked.
pub struct EncodedRequest<'a> {
    pub(super) method: &'a [u8],
    pub(super) path: &'a [u8],
    pub(super) body: &'a [u8],
    /// The headers' name and value lengths, `u32` pairs.
    header_lengths: &'a [u8],
    /// The headers' names and values, end to end.
    header_bytes: &'a [u8],
}

fn malformed(what: &str) -> PluginError {
    PluginError::with_status(RP_INVALID_ARGUMENT, format!("malformed request: {what}"))
}

impl<'a> EncodedRequest<'a> {
    fn decode(bytes: &'a [u8]) -> Result<EncodedRequest<'a>, PluginError> {
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

    /// The first value of the header `name`, ignoring case.
    pub(super) fn header(&self, name: &str) -> Option<&'a [u8]> {
        let mut at = 0;
        for pair in self.header_lengths.chunks_exact(8) {
            let name_len = u32::from_le_bytes(pair[..4].try_into().expect("4 bytes")) as usize;
            let value_len = u32::from_le_bytes(pair[4..].try_into().expect("4 bytes")) as usize;
            let key = &self.header_bytes[at..at + name_len];
            let value = &self.header_bytes[at + name_len..at + name_len + value_len];
            if key.eq_ignore_ascii_case(name.as_bytes()) {
                return Some(value);
            }
            at += name_len + value_len;
        }
        None
    }
}

impl OwnedResponse {
    /// Lays the response out as the module documentation says.
    fn encode(&self, out: &mut Vec<u8>) {
        let mut word = |value: usize| out.extend_from_slice(&(value as u64).to_le_bytes());
        word(usize::from(self.status));
        word(self.headers.len());
        word(self.body.len());
        for &(_, name_len, value_len) in &self.headers {
            word(name_len);
            word(value_len);
        }
        for &(start, name_len, value_len) in &self.headers {
            out.extend_from_slice(&self.header_bytes[start..start + name_len + value_len]);
        }
        out.extend_from_slice(&self.body);
    }
}

thread_local! {
    static RESPONSE: RefCell<OwnedResponse> = RefCell::new(OwnedResponse::default());
}

/// The instance of a plugin of type `P`, in the module's one thread.
pub type Slot<P> = LocalKey<RefCell<Option<P>>>;

fn flatten(result: Result<Result<u32, PluginError>, ArgError>) -> i32 {
    outcome(result.unwrap_or_else(|e| Err(e.into())))
}

/// `rp_http_init`: creates the instance and initialises it with the configuration in the input
/// buffer's first `config_len` bytes.
pub fn init<P: HttpPlugin>(slot: &'static Slot<P>, config_len: u32) -> i32 {
    flatten(with_input([config_len], |[config]| {
        let config = rp_ffi_core::string::utf8(config, "config")?;
        if slot.with_borrow(Option::is_some) {
            return Err(out_of_order("init", READY));
        }
        let mut plugin = P::new();
        plugin.init(config)?;
        slot.set(Some(plugin));
        Ok(0)
    }))
}

/// `rp_http_handle`: serves the request in the input buffer's first `len` bytes; the response is
/// the result.
pub fn handle<P: HttpPlugin>(slot: &'static Slot<P>, len: u32) -> i32 {
    flatten(with_input([len], |[bytes]| {
        let request = Request {
            source: RequestSource::Encoded(EncodedRequest::decode(bytes)?),
        };
        slot.with_borrow(|plugin| {
            let plugin = plugin
                .as_ref()
                .ok_or_else(|| out_of_order("handle", CREATED))?;
            RESPONSE.with_borrow_mut(|owned| {
                owned.reset();
                if owned.body.capacity() > SPARE_BODY_BYTES {
                    owned.body = Vec::new();
                }
                plugin.handle(
                    &request,
                    &mut Response {
                        sink: ResponseSink::Owned(owned),
                    },
                )?;
                set_result(|out| owned.encode(out));
                Ok(0)
            })
        })
    }))
}

/// `rp_http_close`: closes and drops the instance.
pub fn close<P: HttpPlugin>(slot: &'static Slot<P>) -> i32 {
    let plugin = slot.take();
    flatten(Ok(match plugin {
        Some(mut plugin) => plugin.close().map(|()| 0),
        None => Err(out_of_order("close", CREATED)),
    }))
}

/// The Wasm exports of `$plugin`: what [`export_http_plugin!`](crate::export_http_plugin) expands
/// to on `wasm32`.
#[doc(hidden)]
#[macro_export]
macro_rules! export_wasm_http_plugin {
    ($plugin:ty) => {
        $crate::__rp_ffi_core::wasm_abi_section!("http");

        thread_local! {
            static PLUGIN: ::std::cell::RefCell<Option<$plugin>> =
                const { ::std::cell::RefCell::new(None) };
        }

        #[no_mangle]
        pub extern "C" fn rp_http_init(config_len: u32) -> i32 {
            $crate::wasm::init(&PLUGIN, config_len)
        }

        #[no_mangle]
        pub extern "C" fn rp_http_handle(len: u32) -> i32 {
            $crate::wasm::handle(&PLUGIN, len)
        }

        #[no_mangle]
        pub extern "C" fn rp_http_close() -> i32 {
            $crate::wasm::close(&PLUGIN)
        }
    };
}
