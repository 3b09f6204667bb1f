//! The C side of an HTTP plugin: the instance behind a `rp_http_plugin*` and its lifecycle states,
//! the `extern "C"` functions of the descriptor (each behind the panic boundary), the descriptor
//! itself, and [`export_http_plugin!`](crate::export_http_plugin).

use std::ffi::c_char;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};

use rp_ffi_core::boundary;
use rp_ffi_core::status::{Status, RP_INVALID_ARGUMENT};
use rp_ffi_core::string::{null, out_param, rp_str};

use super::host::Host;
use super::owned::{OwnedResponse, SPARE_BODY_BYTES, SPARE_RESPONSES};
use super::{HttpPlugin, PluginError, Request, RequestSource, Response, ResponseSink};
use crate::abi::*;

pub(super) const CREATED: u8 = 0;
pub(super) const READY: u8 = 1;
pub(super) const CLOSED: u8 = 2;

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
pub(super) fn out_of_order(call: &str, state: u8) -> PluginError {
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
