//! What every generated host API stands on: opening a plugin through the project's one loader
//! (`c-host/loader`, compiled in by build.rs: the file is checked before it is loaded, so a refused
//! file never runs), checking its descriptor's ABI before anything else is read, the one error
//! type, and the views answers are made of.

use std::ffi::{c_char, c_void, CStr, CString, OsStr};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use crate::sys;

/// Everything that can go wrong when loading or calling the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The file could not be opened, or the dynamic loader failed (unresolved symbols); `message`
    /// is the whole sentence, path included.
    Load { path: String, message: String },
    /// The loader refused the file before loading it: not a shared object for this machine
    /// exporting the descriptor (`RP_ABI_MISMATCH`), not a regular file (`RP_NOT_A_FILE`), too
    /// large (`RP_TOO_LARGE`). Nothing of it ran. `message` is the whole sentence.
    Refused {
        path: String,
        status: sys::rp_status,
        message: String,
    },
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
            Error::Refused { status, .. } | Error::Call { status, .. } => *status,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load { message, .. } | Error::Refused { message, .. } => f.write_str(message),
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
    let (library, getter) = library_open(path, symbol, &shown)?;
    let not_a_plugin = |message: String| Error::NotAPlugin {
        path: shown.clone(),
        message,
    };
    // SAFETY: `getter` is the address of `symbol`, whose type is the one the header declares for
    // the descriptor's getter: it takes nothing and returns a pointer to a static descriptor.
    let descriptor =
        unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> *const D>(getter)() };
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

unsafe extern "C" {
    /// `c-host/loader/rp_loader.h`: opens `path` without blocking, checks it (a regular file, an
    /// ELF shared object for this machine whose dynamic symbols define `symbol`), and only then
    /// dlopens it (RTLD_NOW | RTLD_LOCAL) and finds `symbol`. On failure nothing stays open and
    /// `error` holds a NUL-terminated sentence.
    fn rp_library_open(
        path: *const c_char,
        symbol: *const c_char,
        kind: *const c_char,
        library: *mut *mut c_void,
        address: *mut *mut c_void,
        error: *mut c_char,
        error_capacity: usize,
    ) -> sys::rp_status;
}

/// Loads `path` through the C loader: the library (closed on drop) and the address of `symbol`
/// (NUL-terminated).
fn library_open(
    path: &OsStr,
    symbol: &[u8],
    shown: &str,
) -> Result<(libloading::Library, *mut c_void), Error> {
    use std::os::unix::ffi::OsStrExt;
    let load_error = |message: String| Error::Load {
        path: shown.to_owned(),
        message,
    };
    let c_path = CString::new(path.as_bytes()).map_err(|_| {
        load_error(format!(
            "cannot load plugin {shown}: the path holds a NUL byte"
        ))
    })?;
    let symbol = CStr::from_bytes_with_nul(symbol).expect("a NUL-terminated symbol name");
    let mut library = std::ptr::null_mut();
    let mut address = std::ptr::null_mut();
    let mut error = [0 as c_char; 512];
    // SAFETY: NUL-terminated strings; out-params this function owns; `error` of the given size.
    // A file that passes the check is loaded, and its initialisers run: the host trusts the
    // plugins it names, as with any dlopen.
    let status = unsafe {
        rp_library_open(
            c_path.as_ptr(),
            symbol.as_ptr(),
            c"a plugin".as_ptr(),
            &mut library,
            &mut address,
            error.as_mut_ptr(),
            error.len(),
        )
    };
    if status != sys::RP_OK as sys::rp_status {
        // SAFETY: the loader NUL-terminates `error` within its capacity.
        let message = unsafe { CStr::from_ptr(error.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        return Err(if status == sys::RP_IO as sys::rp_status {
            load_error(message)
        } else {
            Error::Refused {
                path: shown.to_owned(),
                status,
                message,
            }
        });
    }
    // SAFETY: a handle dlopen returned, owned from here on by the Library (dlclose on drop).
    let library = unsafe { libloading::os::unix::Library::from_raw(library) };
    Ok((library.into(), address))
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

/// A batch's keys, packed as the plugin reads them (`rp_str_pack`): push keys, pass the batch,
/// clear and reuse the memory for the next.
///
/// ```
/// let keys: rp_host::Keys = ["einstein", "marie"].into_iter().collect();
/// assert_eq!(keys.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Keys {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Keys {
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Appends a key.
    #[inline]
    pub fn push(&mut self, key: &str) {
        self.bytes.extend_from_slice(key.as_bytes());
        self.ends.push(self.bytes.len());
    }

    /// Removes every key, keeping the memory.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The keys as the C ABI takes them, valid while `self` is neither changed nor dropped.
    #[inline]
    pub(crate) fn pack(&self) -> sys::rp_str_pack {
        sys::rp_str_pack {
            bytes: self.bytes.as_ptr().cast(),
            ends: self.ends.as_ptr(),
            len: self.ends.len(),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Keys {
    fn from_iter<I: IntoIterator<Item = S>>(keys: I) -> Keys {
        let mut packed = Keys::new();
        for key in keys {
            packed.push(key.as_ref());
        }
        packed
    }
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
