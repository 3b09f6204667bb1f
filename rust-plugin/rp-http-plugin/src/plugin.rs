//! The safe side: the [`HttpPlugin`] trait a plugin implements, and the [`Request`] and
//! [`Response`] it sees, whichever host it runs under (a 1.0 host's callbacks, `host.rs`; a 1.1
//! host's whole request and a response in the plugin's memory, `owned.rs`; a Wasm host, `wasm.rs`).
//! The C lifecycle behind the panic boundary, and the export macro, are `ffi.rs`.

use std::ffi::c_char;
use std::fmt;

use rp_ffi_core::boundary::FfiError;
use rp_ffi_core::status::{Status, RP_INVALID_ARGUMENT, RP_NOT_FOUND, RP_PLUGIN_FAILED};
use rp_ffi_core::string::{null, rp_str, ArgError};

use crate::abi::*;
use crate::header;

mod ffi;
mod host;
mod owned;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use ffi::Descriptor;
use host::{host_refused, host_result, Host};
use owned::OwnedResponse;

/// Sleeps for `duration` (a plugin's own delay): the thread's sleep in process; in the Wasm
/// sandbox the host's, which its deadline cuts short.
pub fn sleep(duration: std::time::Duration) {
    #[cfg(target_arch = "wasm32")]
    rp_ffi_core::wasm::guest::sleep_ms(duration.as_millis().min(u32::MAX as u128) as u32);
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::sleep(duration);
}

/// An HTTP plugin. One value is one instance: the host creates it, calls [`init`](Self::init)
/// once, [`handle`](Self::handle) for each request (from several threads at once), then
/// [`close`](Self::close), then drops it.
pub trait HttpPlugin: Send + Sync + Sized + 'static {
    /// Creates the instance (C `create`): cheap, no configuration yet.
    fn new() -> Self;

    /// Prepares the instance with the host's configuration string (C `init`). An error keeps the
    /// instance from ever serving.
    fn init(&mut self, _config: &str) -> Result<(), PluginError> {
        Ok(())
    }

    /// Serves one request (C `handle`). An error or a panic makes the host answer 500.
    fn handle(&self, request: &Request<'_>, response: &mut Response<'_>)
        -> Result<(), PluginError>;

    /// Releases what `init` acquired (C `close`); the instance is dropped right after.
    fn close(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

/// A failure of a plugin call: its C status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    status: Status,
    message: String,
}

impl PluginError {
    /// A failure of the plugin's own logic: `RP_PLUGIN_FAILED` with `message`.
    pub fn new(message: impl fmt::Display) -> PluginError {
        PluginError::with_status(RP_PLUGIN_FAILED, message)
    }

    /// A failure with a specific status code.
    pub fn with_status(status: Status, message: impl fmt::Display) -> PluginError {
        PluginError {
            status,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl FfiError for PluginError {
    fn status(&self) -> Status {
        self.status
    }
}

impl From<ArgError> for PluginError {
    fn from(error: ArgError) -> PluginError {
        match error {
            ArgError::Invalid(what) => {
                PluginError::with_status(RP_INVALID_ARGUMENT, format!("invalid argument: {what}"))
            }
            ArgError::Utf8 {
                argument,
                valid_up_to,
            } => PluginError::with_status(
                rp_ffi_core::status::RP_INVALID_UTF8,
                format!("invalid UTF-8 in `{argument}` from byte {valid_up_to}"),
            ),
        }
    }
}

/// The request being served: views into the host's memory, valid for the `serve`/`handle` call.
pub struct Request<'a> {
    source: RequestSource<'a>,
}

enum RequestSource<'a> {
    /// A 1.0 host's request, read through its callbacks.
    Host {
        host: &'a Host,
        raw: *const rp_http_request,
    },
    /// A Wasm host's request, laid out in the guest's input buffer (see [`wasm`]).
    #[cfg(target_arch = "wasm32")]
    Encoded(crate::layout::EncodedRequest<'a>),
    /// A 1.1 host's whole request, checked when the call began.
    Data {
        method: &'a [u8],
        path: &'a [u8],
        headers: &'a [rp_http_header],
        body: &'a [u8],
    },
}

impl<'a> Request<'a> {
    /// The request a 1.1 host handed to `serve`, its views checked.
    ///
    /// # Safety
    /// Every view of `data` is readable for 'a, as the `serve` contract says.
    unsafe fn from_data(data: &'a rp_http_request_data) -> Result<Request<'a>, PluginError> {
        let headers = if data.header_count == 0 {
            &[][..]
        } else if data.headers.is_null() {
            return Err(null("request.headers").into());
        } else {
            // SAFETY: the caller's contract: `header_count` readable headers.
            unsafe { std::slice::from_raw_parts(data.headers, data.header_count) }
        };
        for header in headers {
            // SAFETY: as above; checked once here so that `header` can read them without a check.
            unsafe {
                (
                    header.name.bytes("request header name")?,
                    header.value.bytes("request header value")?,
                )
            };
        }
        // SAFETY: as above.
        let (method, path, body) = unsafe {
            (
                data.method.bytes("request.method")?,
                data.path.bytes("request.path")?,
                data.body.bytes("request.body")?,
            )
        };
        Ok(Request {
            source: RequestSource::Data {
                method,
                path,
                headers,
                body,
            },
        })
    }

    /// Calls a host getter and checks the view it returned; `None` when it said `RP_NOT_FOUND`.
    fn view(
        callback: &'static str,
        get: impl FnOnce(*mut rp_str) -> Status,
    ) -> Result<Option<&'a [u8]>, PluginError> {
        let mut view = rp_str {
            ptr: std::ptr::null(),
            len: 0,
        };
        match get(&mut view) {
            RP_NOT_FOUND => Ok(None),
            status => {
                host_result(callback, status)?;
                // SAFETY: the host's contract: a view it returns is readable until `handle`
                // returns, which outlives 'a.
                Ok(Some(unsafe { view.bytes(callback) }?))
            }
        }
    }

    /// A view a 1.0 host's getter must return.
    fn required(
        raw: *const rp_http_request,
        callback: &'static str,
        get: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    ) -> Result<&'a [u8], PluginError> {
        // SAFETY: `raw` is the request of the running `handle` call, `out` a valid rp_str.
        Self::view(callback, |out| unsafe { get(raw, out) })?
            .ok_or_else(|| host_refused(callback, RP_NOT_FOUND))
    }

    /// The request method (`b"GET"`, `b"POST"`...).
    pub fn method(&self) -> Result<&'a [u8], PluginError> {
        match self.source {
            RequestSource::Host { host, raw } => Self::required(raw, "get_method", host.get_method),
            RequestSource::Data { method, .. } => Ok(method),
            #[cfg(target_arch = "wasm32")]
            RequestSource::Encoded(ref encoded) => Ok(encoded.method),
        }
    }

    /// The request path, without the query string.
    pub fn path(&self) -> Result<&'a [u8], PluginError> {
        match self.source {
            RequestSource::Host { host, raw } => Self::required(raw, "get_path", host.get_path),
            RequestSource::Data { path, .. } => Ok(path),
            #[cfg(target_arch = "wasm32")]
            RequestSource::Encoded(ref encoded) => Ok(encoded.path),
        }
    }

    /// The whole request body.
    pub fn body(&self) -> Result<&'a [u8], PluginError> {
        match self.source {
            RequestSource::Host { host, raw } => Self::required(raw, "get_body", host.get_body),
            RequestSource::Data { body, .. } => Ok(body),
            #[cfg(target_arch = "wasm32")]
            RequestSource::Encoded(ref encoded) => Ok(encoded.body),
        }
    }

    /// The first value of the header `name` (case-insensitive), `None` when there is none.
    pub fn header(&self, name: &str) -> Result<Option<&'a [u8]>, PluginError> {
        match self.source {
            RequestSource::Host { host, raw } => {
                // SAFETY: as in `required`; `name` is read during the call only.
                Self::view("get_header", |out| unsafe {
                    (host.get_header)(raw, rp_str::borrow(name), out)
                })
            }
            RequestSource::Data { headers, .. } => Ok(headers.iter().find_map(|field| {
                // SAFETY: checked readable in `from_data`, for 'a.
                let (key, value) =
                    unsafe { (field.name.bytes("").ok()?, field.value.bytes("").ok()?) };
                header::eq_ignore_ascii_case(key, name.as_bytes()).then_some(value)
            })),
            #[cfg(target_arch = "wasm32")]
            RequestSource::Encoded(ref encoded) => Ok(encoded.header(name)),
        }
    }
}

/// The response being built: through a 1.0 host's setters, which copy what they are given, or
/// into the plugin's own memory for a 1.1 host, which copies it after `serve`. The same checks
/// either way: a status in 100..=999, headers HTTP/1.1 can send.
pub struct Response<'a> {
    sink: ResponseSink<'a>,
}

enum ResponseSink<'a> {
    Host {
        host: &'a Host,
        raw: *mut rp_http_response,
    },
    Owned(&'a mut OwnedResponse),
}

#[cold]
#[inline(never)]
fn refused(setter: &str, what: impl fmt::Display) -> PluginError {
    PluginError::with_status(RP_INVALID_ARGUMENT, format!("`{setter}`: {what}"))
}

impl Response<'_> {
    /// The status code (200 unless set): 100..=999.
    pub fn set_status(&mut self, code: u16) -> Result<(), PluginError> {
        match &mut self.sink {
            ResponseSink::Host { host, raw } => {
                // SAFETY: `raw` is the response of the running `handle` call.
                host_result("set_status", unsafe {
                    (host.set_status)(*raw, i32::from(code))
                })
            }
            ResponseSink::Owned(_) if !(100..=999).contains(&code) => Err(refused(
                "set_status",
                format_args!("{code} is not a status code (100..=999)"),
            )),
            ResponseSink::Owned(owned) => {
                owned.status = code;
                Ok(())
            }
        }
    }

    /// Sets the header `name` to `value`, replacing earlier values.
    pub fn set_header(&mut self, name: &str, value: &[u8]) -> Result<(), PluginError> {
        match &mut self.sink {
            ResponseSink::Host { host, raw } => {
                let value = rp_str {
                    ptr: value.as_ptr().cast::<c_char>(),
                    len: value.len(),
                };
                // SAFETY: as in `set_status`; both views are read during the call only.
                host_result("set_header", unsafe {
                    (host.set_header)(*raw, rp_str::borrow(name), value)
                })
            }
            ResponseSink::Owned(_) if !header::sendable(name.as_bytes(), value) => Err(refused(
                "set_header",
                format_args!(
                    "{name:?}: {:?} is not a header HTTP/1.1 can send",
                    String::from_utf8_lossy(value)
                ),
            )),
            ResponseSink::Owned(owned) => {
                owned.set_header(name, value);
                Ok(())
            }
        }
    }

    /// Sets the body, replacing an earlier one.
    pub fn set_body(&mut self, body: &[u8]) -> Result<(), PluginError> {
        match &mut self.sink {
            ResponseSink::Host { host, raw } => {
                let body = rp_str {
                    ptr: body.as_ptr().cast::<c_char>(),
                    len: body.len(),
                };
                // SAFETY: as in `set_status`; the view is read during the call only.
                host_result("set_body", unsafe { (host.set_body)(*raw, body) })
            }
            ResponseSink::Owned(owned) => {
                body.clone_into(&mut owned.body);
                Ok(())
            }
        }
    }
}
