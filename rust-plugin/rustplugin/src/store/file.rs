//! Reading a user file: a regular file only, and never more than a limit, whatever the file does
//! while it is read.

use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::Path;

use crate::error::{quoted, Error};

/// The bytes of the regular file at `path`, of at most `max_bytes` bytes (the rules of
/// [`UserStore::from_file_limited`](super::UserStore::from_file_limited)).
pub(super) fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Error> {
    let io = |e: std::io::Error| Error::Io {
        path: quoted(&path.to_string_lossy()),
        message: e.to_string(),
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        let kind = if file_type.is_dir() {
            "a directory"
        } else if file_type.is_fifo() {
            "a FIFO"
        } else if file_type.is_char_device() || file_type.is_block_device() {
            "a device"
        } else if file_type.is_socket() {
            "a socket"
        } else {
            "not a file"
        };
        return Err(Error::NotAFile {
            path: quoted(&path.to_string_lossy()),
            kind,
        });
    }
    let too_large = |size| Error::TooLarge {
        path: quoted(&path.to_string_lossy()),
        size,
        limit: max_bytes,
    };
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize); // <= max_bytes
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}
