//! An HTTP plugin in the Wasm sandbox: the guest side of the Wasm ABI's kind `http`
//! (`rp_ffi_core::wasm`), which [`export_http_plugin!`](crate::export_http_plugin) exports when
//! the plugin is built for `wasm32`. One Wasm instance is one plugin instance, serving one request
//! at a time; hosts run a pool of instances for parallel requests.
//!
//! The request is the input buffer and the response the result of `rp_http_handle`, both laid
//! out as [`crate::layout`] says.

use std::cell::RefCell;
use std::thread::LocalKey;

use rp_ffi_core::wasm::guest::{outcome, set_result, with_input};
use rp_ffi_core::ArgError;

use crate::layout::EncodedRequest;

use super::ffi::{out_of_order, CREATED, READY};
use super::owned::{OwnedResponse, SPARE_BODY_BYTES};
use super::{HttpPlugin, PluginError, Request, RequestSource, Response, ResponseSink};

impl OwnedResponse {
    /// Lays the response out as [`crate::layout`] says.
    fn encode(&self, out: &mut Vec<u8>) {
        let headers = self.headers.iter().map(|&(start, name_len, value_len)| {
            let header = &self.header_bytes[start..start + name_len + value_len];
            header.split_at(name_len)
        });
        crate::layout::encode_response(self.status, headers, &self.body, out);
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
