//! What every generated host API stands on: opening a plugin with libloading and checking its
//! descriptor's ABI before anything else is read, the one error type, and the views answers are
//! made of.

use std::ffi::{c_char, CStr, OsStr};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use crate::sys;

/// Everything that can go wrong when loading or calling the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The dynamic loader could not open the file (missing, not ELF, unresolved symbols).
    Load { path: String, message: String },
    /// The library has no `rp_plugin_get_descriptor`, or its descriptor lacks a function.
    NotAPlugin { path: String, message: String },
    /// The plugin's ABI (major.minor, descriptor size) does not fit this host's header.
    AbiMismatch {
        path: String,
        plugin: (u32, u32, usize),
        host: (u32, u32, usize),
    },
    /// A call returned a status other than `RP_OK`; `message` is the plugin's last error message.
    Call {
        status: sys::rp_status,
        message: String,
    },
}

impl Error {
    /// The C status code: the call's, or `RP_IO` / `RP_ABI_MISMATCH` for load failures.
    pub fn status(&self) -> sys::rp_status {
        match self {
            Error::Load { .. } => sys::RP_IO as sys::rp_status,
            Error::NotAPlugin { .. } | Error::AbiMismatch { .. } => {
                sys::RP_ABI_MISMATCH as sys::rp_status
            }
            Error::Call { status, .. } => *status,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load { path, message } => write!(f, "cannot load plugin {path}: {message}"),
            Error::NotAPlugin { path, message } => write!(f, "{path} is not a rustplugin plugin: {message}"),
            Error::AbiMismatch { path, plugin, host } => write!(
                f,
                "plugin {path} has ABI {}.{} (descriptor of {} bytes), this host needs {}.{} ({} bytes) \
                 or a newer minor: rebuild one against the other's rustplugin.h",
                plugin.0, plugin.1, plugin.2, host.0, host.1, host.2
            ),
            Error::Call { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// The fields every descriptor starts with, in every ABI version.
#[repr(C)]
struct Head {
    abi_version_major: u32,
    abi_version_minor: u32,
    struct_size: usize,
    library_version: *const c_char,
}

/// A loaded library and its descriptor, checked against the host's ABI.
pub(crate) struct Opened<D: 'static> {
    pub library: libloading::Library,
    /// Valid as long as `library` is loaded.
    pub descriptor: &'static D,
    pub version: String,
    pub abi: (u32, u32),
    pub shown: String,
}

impl<D> Opened<D> {
    /// The error of a plugin whose descriptor lacks a function.
    pub fn missing(&self, field: &str) -> Error {
        Error::NotAPlugin {
            path: self.shown.clone(),
            message: format!("the descriptor has no {field}"),
        }
    }
}

/// Opens the library at `path`, finds `symbol` (a function returning a pointer to a `D`, which
/// starts with the fields of every descriptor) and checks the plugin's ABI against `host` (major,
/// minor, `size_of::<D>()`): the same major, a minor at least the host's, a descriptor at least as
/// large.
///
/// # Safety
/// `D` must be the descriptor type of the header `host` comes from, and `symbol` its getter.
pub(crate) unsafe fn open<D>(
    path: &OsStr,
    symbol: &[u8],
    host: (u32, u32, usize),
) -> Result<Opened<D>, Error> {
    let shown = Path::new(path).display().to_string();
    let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL;
    // SAFETY: loading a library runs its initialisers: the host trusts the plugin it names, as
    // with any dlopen. RTLD_LOCAL keeps its symbols from interposing on anyone else's.
    let library =
        unsafe { libloading::os::unix::Library::open(Some(path), flags) }.map_err(|e| {
            Error::Load {
                path: shown.clone(),
                message: e.to_string(),
            }
        })?;
    let library = libloading::Library::from(library);
    let not_a_plugin = |message: String| Error::NotAPlugin {
        path: shown.clone(),
        message,
    };
    // SAFETY: the symbol's type is the one the header declares for the descriptor's getter.
    let get = unsafe { library.get::<unsafe extern "C" fn() -> *const D>(symbol) }
        .map_err(|e| not_a_plugin(e.to_string()))?;
    // SAFETY: the getter takes no argument and returns a pointer to a static descriptor.
    let descriptor = unsafe { get() };
    // SAFETY: NULL or a pointer to a descriptor that lives as long as the library. Only its head is
    // read before the version check, and every ABI version keeps the head in place.
    let head = unsafe { descriptor.cast::<Head>().as_ref() }
        .ok_or_else(|| not_a_plugin("a NULL descriptor".into()))?;
    let plugin = (
        head.abi_version_major,
        head.abi_version_minor,
        head.struct_size,
    );
    if plugin.0 != host.0 || plugin.1 < host.1 || plugin.2 < host.2 {
        return Err(Error::AbiMismatch {
            path: shown,
            plugin,
            host,
        });
    }
    // SAFETY: library_version is a static NUL-terminated string, or NULL in a broken plugin.
    let version = unsafe { head.library_version.as_ref().map(|p| CStr::from_ptr(p)) }
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Opened {
        // SAFETY: checked above: the plugin's descriptor is at least a `D` of this ABI, static while
        // the library stays loaded, which the caller's owner of `library` ensures.
        descriptor: unsafe { &*descriptor },
        library,
        version,
        abi: (plugin.0, plugin.1),
        shown,
    })
}

/// `Ok` for `RP_OK`, else the error with the thread's last message, read with `last_error_message`
/// on the same thread right after the failing call.
#[inline]
pub(crate) fn check(
    status: sys::rp_status,
    last_error_message: unsafe extern "C" fn() -> *const c_char,
) -> Result<(), Error> {
    if status == sys::RP_OK as sys::rp_status {
        return Ok(());
    }
    failed(status, last_error_message)
}

#[cold]
#[inline(never)]
fn failed(
    status: sys::rp_status,
    last_error_message: unsafe extern "C" fn() -> *const c_char,
) -> Result<(), Error> {
    // SAFETY: never NULL; NUL-terminated; copied before any other call on this thread.
    let message = unsafe { CStr::from_ptr(last_error_message()) };
    Err(Error::Call {
        status,
        message: message.to_string_lossy().into_owned(),
    })
}

/// A view of `bytes` for the duration of one call.
#[inline]
pub(crate) fn view(bytes: &[u8]) -> sys::rp_str {
    sys::rp_str {
        ptr: bytes.as_ptr().cast(),
        len: bytes.len(),
    }
}

/// The text of a view the plugin answered.
#[inline]
pub(crate) fn text<'a>(s: sys::rp_str) -> &'a str {
    // SAFETY: the library hands out views of valid UTF-8 (rustplugin.h) that live as long as the
    // object that answered them; the caller ties 'a to it.
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(s.ptr.cast(), s.len)) }
}

/// A list of strings borrowed from the object that answered it (a user's groups).
#[derive(Clone, Copy)]
pub struct Strs<'owner> {
    list: sys::rp_str_list,
    _owner: PhantomData<&'owner ()>,
}

impl<'owner> Strs<'owner> {
    /// # Safety
    /// `list` is a list the plugin answered, alive for `'owner`.
    #[inline]
    pub(crate) unsafe fn new(list: sys::rp_str_list) -> Strs<'owner> {
        Strs {
            list,
            _owner: PhantomData,
        }
    }
    pub fn len(&self) -> usize {
        self.list.len
    }
    pub fn is_empty(&self) -> bool {
        self.list.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = &'owner str> {
        // SAFETY: `len` views at a non-NULL `ptr`, alive for 'owner (see `new`).
        unsafe { std::slice::from_raw_parts(self.list.ptr, self.list.len) }
            .iter()
            .map(|&s| text(s))
    }
}
