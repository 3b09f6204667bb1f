//! An HTTP plugin (`rp_http_plugin.h`, ABI 1.1's `serve`) behind `RP_PROCESS_OP_HTTP_SERVE`.

use std::cell::RefCell;
use std::ffi::{c_char, CStr};

use rp_ffi_core::status::{Status, RP_ABI_MISMATCH, RP_INVALID_ARGUMENT, RP_OK};
use rp_http_plugin::layout::{encode_response, EncodedRequest};
use rp_process::protocol::PluginInfo;
use rp_process::RP_PROCESS_OP_HTTP_SERVE;

use crate::{bytes, message, open_with, sys, view, Service, ERROR_CAPACITY};

/// A loaded, initialised HTTP plugin instance.
pub struct Http {
    plugin: sys::rp_http_plugin_handle,
    api: &'static sys::rp_http_plugin_descriptor,
}

// SAFETY: the ABI lets `serve` run on several threads at once; init and close run alone (load,
// drop).
unsafe impl Sync for Http {}
// SAFETY: as above.
unsafe impl Send for Http {}

thread_local! {
    /// Each slot thread's header views, reused from request to request.
    static HEADERS: RefCell<Vec<sys::rp_http_header>> = const { RefCell::new(Vec::new()) };
}

// The callbacks of ABI 1.0 plugins, which this server does not serve (see `Http::load`): `create`
// wants a full table, and a 1.1 plugin never calls them (`serve` has the whole request).
unsafe extern "C" fn no_request(_: *const sys::rp_http_request, _: *mut sys::rp_str) -> Status {
    RP_INVALID_ARGUMENT
}
unsafe extern "C" fn no_header(
    _: *const sys::rp_http_request,
    _: sys::rp_str,
    _: *mut sys::rp_str,
) -> Status {
    RP_INVALID_ARGUMENT
}
unsafe extern "C" fn no_status(_: *mut sys::rp_http_response, _: i32) -> Status {
    RP_INVALID_ARGUMENT
}
unsafe extern "C" fn no_header_out(
    _: *mut sys::rp_http_response,
    _: sys::rp_str,
    _: sys::rp_str,
) -> Status {
    RP_INVALID_ARGUMENT
}
unsafe extern "C" fn no_body(_: *mut sys::rp_http_response, _: sys::rp_str) -> Status {
    RP_INVALID_ARGUMENT
}

static HOST: sys::rp_http_host = sys::rp_http_host {
    struct_size: size_of::<sys::rp_http_host>(),
    get_method: Some(no_request),
    get_path: Some(no_request),
    get_header: Some(no_header),
    get_body: Some(no_request),
    set_status: Some(no_status),
    set_header: Some(no_header_out),
    set_body: Some(no_body),
};

impl Http {
    /// Loads the plugin at `path` (checked by the C loader before dlopen) and initialises it with
    /// `config`. A plugin of ABI 1.0 (no `serve`) is refused: serve it in process.
    pub fn load(path: &CStr, config: &str) -> Result<(Http, PluginInfo), (Status, String)> {
        // SAFETY: valid path, host table (static), config view, out-handle, error buffer.
        let plugin = open_with(|plugin, error, capacity| unsafe {
            sys::rp_http_plugin_load(
                path.as_ptr(),
                &HOST,
                view(config.as_bytes()),
                plugin,
                error,
                capacity,
            )
        })?;
        // SAFETY: checked by the loader; lives as long as the library.
        let api: &'static sys::rp_http_plugin_descriptor = unsafe { &*plugin.api };
        let loaded = Http { plugin, api };
        // SAFETY: a checked descriptor.
        if unsafe { sys::rps_http_plugin_serves(api) } == 0 {
            return Err((RP_ABI_MISMATCH, format!(
                "{} is an HTTP plugin of ABI {}.{}, without `serve`: out of process needs ABI {}.{} (rebuild it), \
                 or serve it in process",
                path.to_string_lossy(),
                api.abi_version_major,
                api.abi_version_minor,
                sys::RP_HTTP_ABI_VERSION_MAJOR,
                sys::RP_HTTP_ABI_VERSION_MINOR
            )));
        }
        // SAFETY: static NUL-terminated strings of the descriptor.
        let (name, version) = unsafe {
            (
                CStr::from_ptr(api.plugin_name),
                CStr::from_ptr(api.plugin_version),
            )
        };
        let info = PluginInfo {
            name: name.to_string_lossy().into_owned(),
            version: version.to_string_lossy().into_owned(),
            abi: (api.abi_version_major, api.abi_version_minor),
            sandbox: 0, // the server's to say (main)
        };
        Ok((loaded, info))
    }

    fn last_error(&self) -> String {
        crate::last_error(self.api.last_error_message)
    }

    fn serve_request(&self, request: &[u8], out: &mut Vec<u8>) -> Status {
        let request = match EncodedRequest::decode(request) {
            Ok(request) => request,
            Err(error) => {
                out.extend_from_slice(error.to_string().as_bytes());
                return RP_INVALID_ARGUMENT;
            }
        };
        HEADERS.with_borrow_mut(|headers| {
            headers.clear();
            headers.extend(request.headers().map(|(name, value)| sys::rp_http_header {
                name: view(name),
                value: view(value),
            }));
            let data = sys::rp_http_request_data {
                method: view(request.method),
                path: view(request.path),
                headers: headers.as_ptr(),
                header_count: headers.len(),
                body: view(request.body),
            };
            // SAFETY: a zeroed response is what `serve` expects to fill.
            let mut response: sys::rp_http_response_data = unsafe { std::mem::zeroed() };
            let instance = self.plugin.instance;
            // SAFETY: checked functions (rps_http_plugin_serves), the live instance, a request
            // whose views live until `serve` returns.
            let status =
                unsafe { (self.api.serve.expect("checked"))(instance, &data, &mut response) };
            if status != RP_OK {
                out.extend_from_slice(self.last_error().as_bytes());
                return status;
            }
            let status = self.encode(&response, out);
            // SAFETY: the response `serve` returned, released once.
            unsafe { (self.api.release_response.expect("checked"))(instance, &mut response) };
            status
        })
    }

    fn encode(&self, response: &sys::rp_http_response_data, out: &mut Vec<u8>) -> Status {
        let code = u16::try_from(response.status)
            .ok()
            .filter(|c| (100..=999).contains(c));
        let views_ok = (response.header_count == 0 || !response.headers.is_null())
            && (response.body.len == 0 || !response.body.ptr.is_null());
        let Some(code) = code.filter(|_| views_ok) else {
            out.extend_from_slice(
                format!(
                    "the plugin's response is unusable (status {}, or NULL views)",
                    response.status
                )
                .as_bytes(),
            );
            return RP_INVALID_ARGUMENT;
        };
        let headers: &[sys::rp_http_header] = if response.header_count == 0 {
            &[]
        } else {
            // SAFETY: `header_count` views at a non-NULL `headers`, alive until released.
            unsafe { std::slice::from_raw_parts(response.headers, response.header_count) }
        };
        // SAFETY: views of the response, alive until released.
        let pairs = headers
            .iter()
            .map(|h| unsafe { (bytes(h.name), bytes(h.value)) });
        // SAFETY: as above.
        encode_response(code, pairs, unsafe { bytes(response.body) }, out);
        RP_OK
    }
}

impl Service for Http {
    fn serve(&self, op: u32, request: &[u8], out: &mut Vec<u8>) -> Status {
        if op != RP_PROCESS_OP_HTTP_SERVE {
            out.extend_from_slice(format!("operation {op} is not an HTTP plugin's").as_bytes());
            return RP_INVALID_ARGUMENT;
        }
        self.serve_request(request, out)
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        let mut error: [c_char; ERROR_CAPACITY] = [0; ERROR_CAPACITY];
        // SAFETY: the handle rp_http_plugin_load filled, unloaded once, with no call running
        // (the slot threads are joined).
        if unsafe {
            sys::rp_http_plugin_unload(&mut self.plugin, error.as_mut_ptr(), ERROR_CAPACITY)
        } != RP_OK
        {
            eprintln!("rp-plugin-server: closing the plugin: {}", message(&error));
        }
    }
}
