//! ABI 1.0's host callbacks: the table a 1.0 host hands to `create`, checked once, through which
//! a request is read and a response written.

use rp_ffi_core::status::{status_name, Status, RP_INVALID_ARGUMENT, RP_OK};
use rp_ffi_core::string::rp_str;

use super::PluginError;
use crate::abi::*;

/// The host's callbacks, checked once at `create` so that no call needs to check them again.
pub(super) struct Host {
    pub(super) get_method: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    pub(super) get_path: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    pub(super) get_header:
        unsafe extern "C" fn(*const rp_http_request, rp_str, *mut rp_str) -> Status,
    pub(super) get_body: unsafe extern "C" fn(*const rp_http_request, *mut rp_str) -> Status,
    pub(super) set_status: unsafe extern "C" fn(*mut rp_http_response, i32) -> Status,
    pub(super) set_header: unsafe extern "C" fn(*mut rp_http_response, rp_str, rp_str) -> Status,
    pub(super) set_body: unsafe extern "C" fn(*mut rp_http_response, rp_str) -> Status,
}

impl Host {
    pub(super) fn from_table(table: &rp_http_host) -> Result<Host, PluginError> {
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
pub(super) fn host_result(callback: &'static str, status: Status) -> Result<(), PluginError> {
    if status == RP_OK {
        Ok(())
    } else {
        Err(host_refused(callback, status))
    }
}

#[cold]
#[inline(never)]
pub(super) fn host_refused(callback: &'static str, status: Status) -> PluginError {
    PluginError::with_status(
        status,
        format!(
            "the host's `{callback}` returned {}",
            status_name(status).to_string_lossy()
        ),
    )
}
