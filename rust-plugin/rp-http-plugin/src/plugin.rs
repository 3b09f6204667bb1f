//! The safe side: the [`HttpPlugin`] trait a plugin implements, the [`Request`] and [`Response`]
//! it sees, and the glue ([`export_http_plugin!`](crate::export_http_plugin)) that turns an
//! implementation into the C lifecycle behind the panic boundary.

use std::ffi::c_char;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};

use rp_ffi_core::boundary::{self, FfiError};
use rp_ffi_core::status::{
    status_name, Status, RP_INVALID_ARGUMENT, RP_NOT_FOUND, RP_OK, RP_PLUGIN_FAILED,
};
use rp_ffi_core::string::{null, out_param, rp_str, ArgError};

use crate::abi::*;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

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

/// The host's callbacks, checked once at `create` so that no call needs to check them again.
struct Host {
    get_method: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    get_path: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    get_header: unsafe extern "C" fn(*const rp_http_request, rp_str, *mut rp_str) -> Status,
    get_body: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    set_status: unsafe extern "C" fn(*mut rp_http_response, i32) -> Status,
    set_header: unsafe extern "C" fn(*mut rp_http_response, rp_str, rp_str) -> Status,
    set_body: unsafe extern "C" fn(*mut rp_http_response, rp_str) -> Status,
}

impl Host {
    fn from_table(table: &rp_http_host) -> Result<Host, PluginError> {
        if table.struct_size < size_of::<rp_http_host>() {
            return Err(PluginError::with_status(
                RP_INVALID_ARGUMENT,
                format!(
                    "the host's callback table has {} bytes, this plugin needs {} (HTTP plugin ABI {}.{})",
                    table.struct_size,
                    size_of::<rp_http_host>(),
                    RP_HTTP_ABI_VERSION_MAJOR,
                    RP_HTTP_ABI_VERSION_MINOR
                ),
            ));
        }
        let missing = |name| {
            PluginError::with_status(
                RP_INVALID_ARGUMENT,
                format!("the host's callback `{name}` is NULL"),
            )
        };
        Ok(Host {
            get_method: table.get_method.ok_or_else(|| missing("get_method"))?,
            get_path: table.get_path.ok_or_else(|| missing("get_path"))?,
            get_header: table.get_header.ok_or_else(|| missing("get_header"))?,
            get_body: table.get_body.ok_or_else(|| missing("get_body"))?,
            set_status: table.set_status.ok_or_else(|| missing("set_status"))?,
            set_header: table.set_header.ok_or_else(|| missing("set_header"))?,
            set_body: table.set_body.ok_or_else(|| missing("set_body"))?,
        })
    }
}

/// `Ok` for `RP_OK`, otherwise the error that names the callback that refused.
fn host_result(callback: &'static str, status: Status) -> Result<(), PluginError> {
    if status == RP_OK {
        Ok(())
    } else {
        Err(host_refused(callback, status))
    }
}

#[cold]
#[inline(never)]
fn host_refused(callback: &'static str, status: Status) -> PluginError {
    PluginError::with_status(
        status,
        format!(
            "the host's `{callback}` returned {}",
            status_name(status).to_string_lossy()
        ),
    )
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
            RequestSource::Data { headers, .. } => Ok(headers.iter().find_map(|header| {
                // SAFETY: checked readable in `from_data`, for 'a.
                let (key, value) =
                    unsafe { (header.name.bytes("").ok()?, header.value.bytes("").ok()?) };
                key.eq_ignore_ascii_case(name.as_bytes()).then_some(value)
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

/// A 1.1 response while the handler builds it, then while the host copies it. Instances keep the
/// released ones for reuse, so that a request allocates nothing here once they have grown.
#[derive(Default)]
struct OwnedResponse {
    status: u16,
    /// Every header's name then value, back to back.
    header_bytes: Vec<u8>,
    /// Where each header sits in `header_bytes`: start, name length, value length.
    headers: Vec<(usize, usize, usize)>,
    body: Vec<u8>,
    /// Views of the headers, built when the handler is done.
    views: Vec<rp_http_header>,
}

/// The most released responses an instance keeps, and the largest body buffer it keeps: enough for
/// the requests a host runs at once, without holding on to a rare large response.
const SPARE_RESPONSES: usize = 64;
const SPARE_BODY_BYTES: usize = 64 << 10;

impl OwnedResponse {
    fn reset(&mut self) {
        self.status = 200;
        self.header_bytes.clear();
        self.headers.clear();
        self.body.clear();
        self.views.clear();
    }

    fn set_header(&mut self, name: &str, value: &[u8]) {
        let bytes = &self.header_bytes;
        self.headers.retain(|&(start, name_len, _)| {
            !bytes[start..start + name_len].eq_ignore_ascii_case(name.as_bytes())
        });
        self.headers
            .push((self.header_bytes.len(), name.len(), value.len()));
        self.header_bytes.extend_from_slice(name.as_bytes());
        self.header_bytes.extend_from_slice(value);
    }

    /// Fills `views` and returns the C view of the response; valid while `self` is not changed.
    fn publish(&mut self) -> rp_http_response_data {
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

/// Whether HTTP/1.1 can send `name: value` (a token name; a value without CR, LF or NUL): the
/// checks a host's `set_header` makes, so 1.0 and 1.1 hosts refuse the same headers.
fn sendable_header(name: &str, value: &[u8]) -> bool {
    // RFC 9110's tchar: visible ASCII but the delimiters "(),/:;<=>?@[\\]{}
    let token = |c: u8| {
        matches!(c, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^'
            | b'_' | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
    };
    !name.is_empty()
        && name.bytes().all(token)
        && !value.iter().any(|&c| matches!(c, b'\r' | b'\n' | 0))
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
            ResponseSink::Owned(_) if !sendable_header(name, value) => Err(refused(
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

const CREATED: u8 = 0;
const READY: u8 = 1;
const CLOSED: u8 = 2;

/// What `rp_http_plugin*` points to.
struct Instance<P> {
    host: Host,
    state: AtomicU8,
    plugin: P,
    /// Released 1.1 responses, for reuse: boxes, because a response on loan to the host is known
    /// by its box's address (`plugin_data`), and moving it in and out of a box would allocate.
    #[allow(clippy::vec_box)]
    spare: Mutex<Vec<Box<OwnedResponse>>>,
}

impl<P> Instance<P> {
    fn take_response(&self) -> Box<OwnedResponse> {
        let mut response = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        response.reset();
        response
    }

    fn give_back(&self, response: Box<OwnedResponse>) {
        if response.body.capacity() > SPARE_BODY_BYTES {
            return;
        }
        let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.len() < SPARE_RESPONSES {
            spare.push(response);
        }
    }
}

#[cold]
#[inline(never)]
fn out_of_order(call: &str, state: u8) -> PluginError {
    let state = match state {
        CREATED => "before a successful init",
        READY => "after init",
        _ => "after close",
    };
    PluginError::with_status(RP_INVALID_ARGUMENT, format!("`{call}` called {state}"))
}

/// The instance behind a C handle.
///
/// # Safety
/// Unless NULL, `plugin` must come from `create::<P>` and not be destroyed yet.
unsafe fn instance<'a, P>(plugin: *const rp_http_plugin) -> Result<&'a Instance<P>, PluginError> {
    // SAFETY: the caller's contract.
    Ok(unsafe { plugin.cast::<Instance<P>>().as_ref() }.ok_or_else(|| null("plugin"))?)
}

/// As [`instance`], for the calls that must not run concurrently with others.
///
/// # Safety
/// As [`instance`], and no other call on the instance may be running.
unsafe fn instance_mut<'a, P>(
    plugin: *mut rp_http_plugin,
) -> Result<&'a mut Instance<P>, PluginError> {
    // SAFETY: the caller's contract.
    Ok(unsafe { plugin.cast::<Instance<P>>().as_mut() }.ok_or_else(|| null("plugin"))?)
}

unsafe extern "C" fn create<P: HttpPlugin>(
    host: *const rp_http_host,
    plugin: *mut *mut rp_http_plugin,
) -> Status {
    boundary::install_panic_hook();
    boundary::guard(|| -> Result<(), PluginError> {
        // SAFETY: the C contract: `plugin`, unless NULL, is writable.
        let out = unsafe { out_param(plugin, "plugin") }?;
        // SAFETY: the C contract: `host`, unless NULL, points to a table that outlives the instance.
        let table = unsafe { host.as_ref() }.ok_or_else(|| null("host"))?;
        let instance = Box::new(Instance {
            host: Host::from_table(table)?,
            state: AtomicU8::new(CREATED),
            plugin: P::new(),
            spare: Mutex::default(),
        });
        out.write(Box::into_raw(instance).cast());
        Ok(())
    })
}

unsafe extern "C" fn init<P: HttpPlugin>(plugin: *mut rp_http_plugin, config: rp_str) -> Status {
    boundary::guard(|| {
        // SAFETY: the C contract: a live instance, no concurrent call.
        let instance = unsafe { instance_mut::<P>(plugin) }?;
        // SAFETY: the C contract: `config` is readable during the call.
        let config = unsafe { config.text("config") }?;
        let state = instance.state.load(Ordering::Acquire);
        if state != CREATED {
            return Err(out_of_order("init", state));
        }
        instance.plugin.init(config)?;
        instance.state.store(READY, Ordering::Release);
        Ok(())
    })
}

/// The instance behind a C handle, if it may serve requests (`init` succeeded, `close` not called).
///
/// # Safety
/// As [`instance`].
unsafe fn serving<'a, P>(
    plugin: *const rp_http_plugin,
    call: &str,
) -> Result<&'a Instance<P>, PluginError> {
    // SAFETY: the caller's contract.
    let instance = unsafe { instance::<P>(plugin) }?;
    let state = instance.state.load(Ordering::Acquire);
    if state != READY {
        return Err(out_of_order(call, state));
    }
    Ok(instance)
}

unsafe extern "C" fn handle<P: HttpPlugin>(
    plugin: *const rp_http_plugin,
    request: *const rp_http_request,
    response: *mut rp_http_response,
) -> Status {
    boundary::guard(|| {
        // SAFETY: the C contract: a live instance.
        let instance = unsafe { serving::<P>(plugin, "handle") }?;
        if request.is_null() {
            return Err(null("request").into());
        }
        if response.is_null() {
            return Err(null("response").into());
        }
        let request = Request {
            source: RequestSource::Host {
                host: &instance.host,
                raw: request,
            },
        };
        let mut response = Response {
            sink: ResponseSink::Host {
                host: &instance.host,
                raw: response,
            },
        };
        instance.plugin.handle(&request, &mut response)
    })
}

unsafe extern "C" fn serve<P: HttpPlugin>(
    plugin: *const rp_http_plugin,
    request: *const rp_http_request_data,
    response: *mut rp_http_response_data,
) -> Status {
    boundary::guard(|| {
        // SAFETY: the C contract: a live instance.
        let instance = unsafe { serving::<P>(plugin, "serve") }?;
        // SAFETY: the C contract: `request`, unless NULL, is readable during the call.
        let request = unsafe { request.as_ref() }.ok_or_else(|| null("request"))?;
        // SAFETY: as above, for every view the request holds.
        let request = unsafe { Request::from_data(request) }?;
        // SAFETY: the C contract: `response`, unless NULL, is writable.
        let out = unsafe { response.as_mut() }.ok_or_else(|| null("response"))?;
        let mut owned = instance.take_response();
        let handled = instance.plugin.handle(
            &request,
            &mut Response {
                sink: ResponseSink::Owned(&mut owned),
            },
        );
        if let Err(error) = handled {
            instance.give_back(owned);
            return Err(error);
        }
        *out = owned.publish();
        // The views point into the box's heap buffers, which stay put when it moves.
        out.plugin_data = Box::into_raw(owned).cast();
        Ok(())
    })
}

unsafe extern "C" fn release_response<P: HttpPlugin>(
    plugin: *const rp_http_plugin,
    response: *mut rp_http_response_data,
) {
    // SAFETY: the C contract: NULL, or a response `serve` filled (or zeroed), released once.
    let Some(response) = (unsafe { response.as_mut() }) else {
        return;
    };
    if !response.plugin_data.is_null() {
        // SAFETY: `plugin_data` is the box `serve` leaked, released once (zeroed below).
        let owned = unsafe { Box::from_raw(response.plugin_data.cast::<OwnedResponse>()) };
        // SAFETY: the C contract: the instance that served it, still alive (or NULL).
        if let Ok(instance) = unsafe { instance::<P>(plugin) } {
            instance.give_back(owned);
        }
    }
    *response = rp_http_response_data {
        status: 0,
        headers: std::ptr::null(),
        header_count: 0,
        body: rp_str {
            ptr: std::ptr::null(),
            len: 0,
        },
        plugin_data: std::ptr::null_mut(),
    };
}

unsafe extern "C" fn close<P: HttpPlugin>(plugin: *mut rp_http_plugin) -> Status {
    boundary::guard(|| {
        // SAFETY: the C contract: a live instance, no concurrent call.
        let instance = unsafe { instance_mut::<P>(plugin) }?;
        let state = instance.state.load(Ordering::Acquire);
        if state != READY {
            return Err(out_of_order("close", state));
        }
        instance.state.store(CLOSED, Ordering::Release);
        instance.plugin.close()
    })
}

unsafe extern "C" fn destroy<P: HttpPlugin>(plugin: *mut rp_http_plugin) {
    // A panic in the plugin's Drop is contained like any other; destroy has no status to return it in.
    let _ = boundary::guard(|| -> Result<(), PluginError> {
        if !plugin.is_null() {
            // SAFETY: the C contract: `plugin` came from `create::<P>` and is destroyed once.
            drop(unsafe { Box::from_raw(plugin.cast::<Instance<P>>()) });
        }
        Ok(())
    });
}

extern "C" fn last_error_message() -> *const c_char {
    boundary::last_error_message()
}

/// A plugin's static descriptor; built by [`export_http_plugin!`](crate::export_http_plugin).
pub struct Descriptor(rp_http_plugin_descriptor);

// SAFETY: the descriptor is immutable; its pointers are static strings and functions.
unsafe impl Sync for Descriptor {}

impl Descriptor {
    /// The descriptor of `P`, with NUL-terminated `name` and `version`.
    pub const fn new<P: HttpPlugin>(name: &'static str, version: &'static str) -> Descriptor {
        assert!(name.as_bytes()[name.len() - 1] == 0 && version.as_bytes()[version.len() - 1] == 0);
        Descriptor(rp_http_plugin_descriptor {
            abi_version_major: RP_HTTP_ABI_VERSION_MAJOR,
            abi_version_minor: RP_HTTP_ABI_VERSION_MINOR,
            struct_size: size_of::<rp_http_plugin_descriptor>(),
            plugin_name: name.as_ptr().cast(),
            plugin_version: version.as_ptr().cast(),
            create: create::<P>,
            init: init::<P>,
            handle: handle::<P>,
            close: close::<P>,
            destroy: destroy::<P>,
            last_error_message,
            serve: serve::<P>,
            release_response: release_response::<P>,
        })
    }

    /// The C view of the descriptor.
    pub const fn as_ptr(&'static self) -> *const rp_http_plugin_descriptor {
        &self.0
    }
}

/// Exports `$plugin` (a type implementing [`HttpPlugin`]) from a `cdylib` as an HTTP plugin: defines
/// `rp_http_plugin_get_descriptor`, the one symbol a host looks up, with the crate's name and
/// version. Use it once per library.
///
/// ```
/// use rp_http_plugin::{HttpPlugin, PluginError, Request, Response};
///
/// pub struct Hello;
///
/// impl HttpPlugin for Hello {
///     fn new() -> Self {
///         Hello
///     }
///     // init(&mut self, config: &str) and close(&mut self) have defaults that succeed.
///     fn handle(&self, request: &Request<'_>, response: &mut Response<'_>) -> Result<(), PluginError> {
///         let name = request.header("X-Name")?.unwrap_or(b"world");
///         response.set_header("Content-Type", b"text/plain")?;
///         response.set_body(&[b"hello, ", name].concat())
///     }
/// }
///
/// rp_http_plugin::export_http_plugin!(Hello); // defines rp_http_plugin_get_descriptor, name and version from Cargo
///
/// // SAFETY: the descriptor is static and never NULL.
/// let descriptor = unsafe { &*rp_http_plugin_get_descriptor() };
/// assert_eq!(descriptor.abi_version_major, rp_http_plugin::abi::RP_HTTP_ABI_VERSION_MAJOR);
/// ```
/// (docs/http-plugins.md shows the same plugin.)
#[macro_export]
macro_rules! export_http_plugin {
    ($plugin:ty) => {
        #[cfg(target_arch = "wasm32")]
        $crate::export_wasm_http_plugin!($plugin);

        /// The plugin's descriptor: see `rp_http_plugin.h`.
        #[cfg(not(target_arch = "wasm32"))]
        #[no_mangle]
        pub extern "C" fn rp_http_plugin_get_descriptor(
        ) -> *const $crate::abi::rp_http_plugin_descriptor {
            static DESCRIPTOR: $crate::Descriptor = $crate::Descriptor::new::<$plugin>(
                concat!(env!("CARGO_PKG_NAME"), "\0"),
                concat!(env!("CARGO_PKG_VERSION"), "\0"),
            );
            // The export must have the type hosts look it up as.
            const _: $crate::abi::rp_http_plugin_get_descriptor_fn = rp_http_plugin_get_descriptor;
            DESCRIPTOR.as_ptr()
        }
    };
}

#[cfg(test)]
mod tests {
    use super::sendable_header;

    /// The same rule as the Go gateway's validHeader (and net/http's): a token name, a value
    /// without CR, LF or NUL.
    #[test]
    fn sendable_headers_are_the_gateways() {
        for c in 0u8..0x80 {
            let name = format!("X{}", c as char);
            let token = c > b' ' && c < 0x7f && !b"()<>@,;:\\\"/[]?={}".contains(&c);
            assert_eq!(sendable_header(&name, b"v"), token, "name byte {c:#x}");
            let value = [b'a', c, b'b'];
            assert_eq!(
                sendable_header("X", &value),
                !matches!(c, b'\r' | b'\n' | 0),
                "value byte {c:#x}"
            );
        }
        assert!(!sendable_header("", b"v"));
        assert!(!sendable_header("Ä", b"v"));
        assert!(sendable_header("X", "ümlaut".as_bytes()));
    }
}
