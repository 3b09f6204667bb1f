//! The wire between a host and its plugin server: one shared memory region, made by the host
//! (a `memfd`) and inherited by the server as file descriptor 3.
//!
//! ```text
//! offset 0      Header (one page): magic, protocol versions, slot geometry, the server's state
//!               (a futex word), what the server loaded, and its refusal message
//! offset 4096   slot 0: SlotControl (24 bytes), then 40 bytes for a small message, then
//!               `slot_bytes` for a larger one
//! offset 4096 + 64 + slot_bytes   slot 1 ...
//! ```
//!
//! Each slot starts on a cache line. A message (request or response) of up to [`INLINE_BYTES`]
//! (a claim and its value, a user's index, a sum) lies right after the control words, on their
//! line, and moves between the processes with the state word, one line each way as in a
//! ping-pong; a longer one lies on the lines after (`Slot::place`: both sides know where from its
//! length alone). Measured on a 2-core Intel VM, the host on one CPU, the server on the other
//! (medians of 16 runs of 200 000 calls, from Rust): GetUserByClaim by index (a 24-byte request,
//! a 4-byte answer) 459 ns a call with its messages on the next line, 390 ns inline; a
//! ping-pong of one line between the same CPUs takes 120-150 ns.
//!
//! A slot carries one call at a time. The host owns it while its state is `IDLE` or `RESPONSE`:
//! it writes the request into the data, then `op` and `len`, then stores `REQUEST`. The server owns
//! it while it is `REQUEST`: it reads the request, writes the response over it, then `status` and
//! `len`, then stores `RESPONSE`. Each side spins briefly on the state word (when the host's
//! `spin_ns` says so), then sleeps on it
//! (`FUTEX_WAIT`, shared between processes) after raising its `*_waiting` flag; the other side
//! wakes it only when the flag is up, so a call between two spinning sides makes no system call.
//! When the server dies, the host's supervisor stores `DEAD` into every slot in `REQUEST`; to stop
//! the server it stores `SHUTDOWN` into every slot.
//!
//! # Trust
//! The host does not trust the server: a plugin in it can write anything anywhere in the region at
//! any time. So the host never reads back what it wrote itself (the slot geometry is kept in
//! [`Region`], fixed at creation; the header's copy is for the server), reads each word the
//! server writes once (`len`, `status`, `state`) and checks it against what it owns, and copies a
//! response out of the region before anyone looks at it ([`Slot::read`]): a server that changes
//! it later changes nothing the host reads. The memfd is sealed against shrinking and growing, so
//! the mapping cannot lose its pages under the host (SIGBUS). A violation kills the server.
//!
//! Both sides of this module are in this crate (the server binary links it): the layout is not a
//! public ABI, only the protocol version is, checked at the handshake.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

mod wait;
pub use wait::{futex_wait, futex_wake, hand_over, own_cpus, spin_for, wait_while, Deadline, SPIN};

/// Protocol major version: the server refuses a host of another major. 2: a slot's data starts
/// on its control words' cache line (1.x: on the line after).
pub const PROTOCOL_MAJOR: u32 = 2;
/// Protocol minor version: a host of minor N needs a server of minor >= N. Of major 1: 1.1, the
/// host says how long each side spins (`Header::spin_ns`); 1.2, the server says how it is
/// confined (`Header::sandbox`); 1.3, the user manager answers indexes alone
/// (`RP_PROCESS_OP_USER`, `RP_PROCESS_OP_GET_USER_INDEX`, `RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX`).
/// 2.0 has all of them.
pub const PROTOCOL_MINOR: u32 = 0;

/// Whether a host of this protocol can use a server of `server`'s: same major, minor at least ours.
#[allow(clippy::absurd_extreme_comparisons)] // any minor passes while ours is 0: the rule is for 2.1
pub fn host_can_use(server: (u32, u32)) -> bool {
    server.0 == PROTOCOL_MAJOR && server.1 >= PROTOCOL_MINOR
}

const MAGIC: u64 = u64::from_le_bytes(*b"rp-proc\x01");
/// The header's size, and where slot 0 starts.
pub const HEADER_BYTES: usize = 4096;
/// A slot's control words; its data follows them.
const SLOT_CONTROL_BYTES: usize = size_of::<SlotControl>();
/// What a slot takes beyond its `slot_bytes` of data: its control words and the rest of their
/// cache line, so that the next slot starts on a line of its own.
const SLOT_OVERHEAD_BYTES: usize = 64;
/// Bytes of data on the control words' cache line.
pub const INLINE_BYTES: usize = SLOT_OVERHEAD_BYTES - SLOT_CONTROL_BYTES;
/// The file descriptor the server finds the region at.
pub const REGION_FD: i32 = 3;
/// Bytes of the name, version and message fields (NUL-padded).
pub const TEXT_BYTES: usize = 128;
/// Bytes of the refusal message.
pub const MESSAGE_BYTES: usize = 1024;

/// Server states (`Header::state`).
pub mod server_state {
    /// The host made the region; the server has not answered yet.
    pub const STARTING: u32 = 0;
    /// The server checked the versions, loaded the plugin and serves the slots.
    pub const READY: u32 = 1;
    /// The server refused to serve; `message` says why, and it exits.
    pub const REFUSED: u32 = 2;
}

/// Slot states (`SlotControl::state`).
pub mod slot_state {
    pub const IDLE: u32 = 0;
    pub const REQUEST: u32 = 1;
    pub const RESPONSE: u32 = 2;
    /// Written by the host: the server must stop.
    pub const SHUTDOWN: u32 = 3;
    /// Written by the host's supervisor: the server died with the call in it.
    pub const DEAD: u32 = 4;
}

/// The first page of the region.
#[repr(C)]
pub struct Header {
    magic: AtomicU64,
    pub host_major: AtomicU32,
    pub host_minor: AtomicU32,
    pub slot_count: AtomicU32,
    pub slot_bytes: AtomicU32,
    /// A [`server_state`]; a futex word.
    pub state: AtomicU32,
    pub server_major: AtomicU32,
    pub server_minor: AtomicU32,
    /// The plugin's ABI version, as its descriptor says.
    pub abi_major: AtomicU32,
    pub abi_minor: AtomicU32,
    /// Why the server refused (an `rp_status`), with `message`.
    pub status: AtomicI32,
    name: [u8; TEXT_BYTES],
    version: [u8; TEXT_BYTES],
    message: [u8; MESSAGE_BYTES],
    /// How long each side spins on a state word before it sleeps, in nanoseconds (written by the
    /// host before the server starts; 0: never spin).
    pub spin_ns: AtomicU32,
    /// What confines the server (`RP_PROCESS_SANDBOX_*` flags), as it says when it publishes.
    pub sandbox: AtomicU32,
}

const _: () = assert!(size_of::<Header>() <= HEADER_BYTES);

/// The control words of one slot, at the start of its cache line; the slot's data follows them.
#[repr(C)]
pub struct SlotControl {
    /// A [`slot_state`]; a futex word.
    pub state: AtomicU32,
    /// 1 while the server sleeps on `state`.
    pub server_waiting: AtomicU32,
    /// 1 while the host sleeps on `state`.
    pub host_waiting: AtomicU32,
    /// The operation of the request (`RP_PROCESS_OP_*`).
    pub op: AtomicU32,
    /// Bytes of the request (host to server), then of the response (server to host).
    pub len: AtomicU32,
    /// The response's status (`rp_status`).
    pub status: AtomicI32,
}

const _: () = assert!(SLOT_CONTROL_BYTES == 24 && SLOT_CONTROL_BYTES % align_of::<u64>() == 0);

/// A mapped region, on either side, with its geometry: the host's own (fixed when it made the
/// region), or on the server's side the header's, read and checked once when it maps it.
pub struct Region {
    base: NonNull<u8>,
    bytes: usize,
    fd: OwnedFd,
    slot_count: u32,
    slot_bytes: u32,
}

// SAFETY: the region is plain shared memory; every word both sides write is an atomic, and the
// slot data is owned by one side at a time as the state words say.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

/// The region's size for `slot_count` slots of `slot_bytes` (a multiple of 64) each.
fn region_bytes(slot_count: u32, slot_bytes: u32) -> Option<usize> {
    (SLOT_OVERHEAD_BYTES + slot_bytes as usize)
        .checked_mul(slot_count as usize)?
        .checked_add(HEADER_BYTES)
}

impl Region {
    /// The host's side: a new region (a memfd sealed against shrinking and growing, closed on exec
    /// except as fd 3 of the server) with the header filled in.
    pub fn create(slot_count: u32, slot_bytes: u32) -> io::Result<Region> {
        let slot_bytes = slot_bytes.checked_next_multiple_of(64).unwrap_or(0);
        let bytes = region_bytes(slot_count, slot_bytes)
            .filter(|_| slot_count > 0 && slot_bytes > 0)
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "no slots, or too many bytes")
            })?;
        // SAFETY: a NUL-terminated name and valid flags; the result is checked.
        let fd = unsafe {
            libc::memfd_create(
                c"rp-plugin-server".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just created and is owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: a valid fd and a non-negative size (checked above to fit usize; off_t is i64).
        if unsafe { libc::ftruncate(fd.as_raw_fd(), bytes as libc::off_t) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // Sealed: a server that truncates the file would take the pages from under the host's
        // mapping (SIGBUS at its next access); F_SEAL_SEAL keeps the seals from being removed.
        let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
        // SAFETY: F_ADD_SEALS on a memfd made with MFD_ALLOW_SEALING; checked.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let region = Region::map(fd, bytes, slot_count, slot_bytes)?;
        let header = region.header();
        header.magic.store(MAGIC, Ordering::Relaxed);
        header.host_major.store(PROTOCOL_MAJOR, Ordering::Relaxed);
        header.host_minor.store(PROTOCOL_MINOR, Ordering::Relaxed);
        header.slot_count.store(slot_count, Ordering::Relaxed);
        header.slot_bytes.store(slot_bytes, Ordering::Release);
        Ok(region)
    }

    /// The server's side: maps the region at `fd` and checks that it is one (magic, geometry).
    pub fn open(fd: OwnedFd) -> io::Result<Region> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        // SAFETY: fstat into a zeroed struct of the right type.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: a valid fd and a valid out-pointer.
        if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let bytes = usize::try_from(stat.st_size).map_err(|_| invalid("a negative size"))?;
        if bytes < HEADER_BYTES {
            return Err(invalid("not a plugin server region (too small)"));
        }
        let mut region = Region::map(fd, bytes, 0, 0)?;
        let header = region.header();
        if header.magic.load(Ordering::Acquire) != MAGIC {
            return Err(invalid("not a plugin server region (no magic)"));
        }
        let slot_count = header.slot_count.load(Ordering::Acquire);
        let slot_bytes = header.slot_bytes.load(Ordering::Acquire);
        let expected = region_bytes(slot_count, slot_bytes);
        if !matches!(expected, Some(n) if n <= bytes) || slot_bytes % 64 != 0 {
            return Err(invalid("the region's slots do not fit its size"));
        }
        (region.slot_count, region.slot_bytes) = (slot_count, slot_bytes);
        Ok(region)
    }

    fn map(fd: OwnedFd, bytes: usize, slot_count: u32, slot_bytes: u32) -> io::Result<Region> {
        // SAFETY: a fresh shared mapping of a file of at least `bytes` bytes; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = NonNull::new(base.cast()).expect("mmap never maps address 0 here");
        Ok(Region {
            base,
            bytes,
            fd,
            slot_count,
            slot_bytes,
        })
    }

    /// The memfd, for the host to hand to the server.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    pub fn header(&self) -> &Header {
        // SAFETY: the mapping is page-aligned and at least HEADER_BYTES long (checked at creation
        // and open); Header is made of atomics and bytes, valid for any bit pattern.
        unsafe { self.base.cast::<Header>().as_ref() }
    }

    /// The slots, as fixed at creation (never read back from the header).
    pub fn slot_count(&self) -> u32 {
        self.slot_count
    }

    /// Bytes of data of each slot, as fixed at creation.
    pub fn slot_bytes(&self) -> u32 {
        self.slot_bytes
    }

    /// Slot `index`, which must be below `slot_count()` (an index of the caller's own, never one
    /// read from the region).
    pub fn slot(&self, index: u32) -> Slot<'_> {
        assert!(
            index < self.slot_count,
            "slot {index} of {}",
            self.slot_count
        );
        let capacity = self.slot_bytes as usize;
        let offset = HEADER_BYTES + index as usize * (SLOT_OVERHEAD_BYTES + capacity);
        assert!(offset + SLOT_OVERHEAD_BYTES + capacity <= self.bytes);
        // SAFETY: in bounds (just checked; the geometry is this side's own copy, checked against
        // the size at create/open), aligned to 64 (the header is a page, slots are multiples of
        // 64), so to the control words' 4.
        let base = unsafe { self.base.add(offset) };
        Slot {
            // SAFETY: as above.
            control: unsafe { base.cast::<SlotControl>().as_ref() },
            base,
            capacity,
        }
    }

    /// Writes the server's versions, and what it loaded or why it refuses, then the state.
    pub fn publish(&self, state: u32, info: &PluginInfo, status: i32, message: &str) {
        let header = self.header();
        header.server_major.store(PROTOCOL_MAJOR, Ordering::Relaxed);
        header.server_minor.store(PROTOCOL_MINOR, Ordering::Relaxed);
        header.abi_major.store(info.abi.0, Ordering::Relaxed);
        header.abi_minor.store(info.abi.1, Ordering::Relaxed);
        header.status.store(status, Ordering::Relaxed);
        header.sandbox.store(info.sandbox, Ordering::Relaxed);
        // SAFETY: the host reads these fields only after it sees a state other than STARTING,
        // stored below with Release; until then the server is their only writer.
        unsafe {
            write_text(std::ptr::addr_of!(header.name), &info.name);
            write_text(std::ptr::addr_of!(header.version), &info.version);
            write_text(std::ptr::addr_of!(header.message), message);
        }
        header.state.store(state, Ordering::Release);
        futex_wake(&header.state);
    }

    /// What the server published: its versions, its plugin, its message.
    pub fn published(&self) -> (PluginInfo, (u32, u32), String) {
        let header = self.header();
        // SAFETY: called after the server stored a state other than STARTING (Acquire), so the
        // fields are written; a hostile server can only make them garbage, which read_text bounds.
        let (name, version, message) = unsafe {
            (
                read_text(std::ptr::addr_of!(header.name)),
                read_text(std::ptr::addr_of!(header.version)),
                read_text(std::ptr::addr_of!(header.message)),
            )
        };
        let info = PluginInfo {
            name,
            version,
            abi: (
                header.abi_major.load(Ordering::Relaxed),
                header.abi_minor.load(Ordering::Relaxed),
            ),
            sandbox: header.sandbox.load(Ordering::Relaxed),
        };
        let server = (
            header.server_major.load(Ordering::Relaxed),
            header.server_minor.load(Ordering::Relaxed),
        );
        (info, server, message)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once; nothing borrows from it any more
        // (slots borrow the region).
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.bytes) };
    }
}

/// What a server loaded: the plugin's name, version and ABI.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub abi: (u32, u32),
    /// How the server is confined, as it says (`RP_PROCESS_SANDBOX_*` flags; a host cannot check
    /// it: the tests attack a real server to show each flag holds).
    pub sandbox: u32,
}

/// # Safety
/// `field` points into the mapping and no one else writes it meanwhile.
unsafe fn write_text<const N: usize>(field: *const [u8; N], text: &str) {
    let mut bytes = [0u8; N];
    let mut len = text.len().min(N - 1);
    while !text.is_char_boundary(len) {
        len -= 1;
    }
    bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
    // SAFETY: the caller's promise; the field is N bytes.
    unsafe { field.cast_mut().write_volatile(bytes) };
}

/// # Safety
/// `field` points into the mapping.
unsafe fn read_text<const N: usize>(field: *const [u8; N]) -> String {
    // SAFETY: the caller's promise; a copy, so later writes by the peer change nothing here.
    let bytes = unsafe { field.read_volatile() };
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(N);
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

/// One slot of a region.
pub struct Slot<'region> {
    pub control: &'region SlotControl,
    /// The start of the slot (its control words).
    base: NonNull<u8>,
    capacity: usize,
}

impl<'region> Slot<'region> {
    /// Bytes of data the slot holds at most, each way.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Where a message of `len` bytes (at most `capacity()`) lies: right after the control words
    /// when it fits on their cache line, else from the next line on.
    fn place(&self, len: usize) -> *mut u8 {
        assert!(len <= self.capacity);
        let offset = if len <= INLINE_BYTES {
            SLOT_CONTROL_BYTES
        } else {
            SLOT_OVERHEAD_BYTES
        };
        // SAFETY: inside the slot: `len` bytes from either offset end before the next slot
        // (`SLOT_OVERHEAD_BYTES + capacity` after the slot's start, checked by `Region::slot`).
        unsafe { self.base.as_ptr().add(offset) }
    }

    /// The request of `len` bytes (at most `capacity()`), for the server (which trusts its host).
    ///
    /// # Safety
    /// The server owns the slot (its state is `REQUEST`), and the slice is gone before it writes
    /// the response (`write`) or hands the slot back.
    pub unsafe fn request(&self, len: usize) -> &'region [u8] {
        // SAFETY: `len` bytes of the mapping (`place`), owned by the caller as promised.
        unsafe { std::slice::from_raw_parts(self.place(len), len) }
    }

    /// Copies `bytes` (at most `capacity()`) into the slot, where a message of its length lies:
    /// the host's way to write a request, and the server's to write a response, with no reference
    /// into memory the other process may write meanwhile.
    pub fn write(&self, bytes: &[u8]) {
        // SAFETY: `bytes.len()` bytes of the slot (`place`); a raw copy: if the peer writes the
        // same bytes meanwhile, the message is garbage, which the peer chose.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.place(bytes.len()), bytes.len())
        };
    }

    /// Copies the message of `len` bytes (`len` at most `capacity()`, checked by the caller
    /// against its own capacity) into `out`, replacing what it held: the host's one read of a
    /// response. Whatever the server writes later changes nothing in `out`.
    pub fn read(&self, len: usize, out: &mut Vec<u8>) {
        let data = self.place(len);
        out.clear();
        out.reserve(len);
        // SAFETY: `len` bytes of the mapping (`place`) into `out`'s spare capacity (reserved);
        // any byte pattern is a valid u8, so a peer writing meanwhile can only make the copy
        // garbage, never make it unsound to read.
        unsafe {
            std::ptr::copy_nonoverlapping(data, out.as_mut_ptr(), len);
            out.set_len(len);
        }
    }
}

/// Makes `fd` the server's [`REGION_FD`], inherited across exec: for a `pre_exec` hook (between
/// fork and exec it calls only async-signal-safe functions). `dup2` onto itself would keep the
/// close-on-exec flag, so an `fd` that already is 3 has the flag cleared instead.
pub fn inherit_as_region_fd(fd: i32) -> io::Result<()> {
    // SAFETY: fcntl and dup2 on descriptors of this process; the results are checked.
    let result = unsafe {
        if fd == REGION_FD {
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, REGION_FD)
        }
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_opens_on_the_other_side_with_its_geometry() {
        let host = Region::create(3, 1000).unwrap();
        assert_eq!(host.slot_bytes(), 1024, "rounded up to a cache line");
        let fd = host.fd().try_clone().unwrap();
        let server = Region::open(fd).unwrap();
        assert_eq!((server.slot_count(), server.slot_bytes()), (3, 1024));
        for message in [&b"hello"[..], &[7; INLINE_BYTES + 1], &[9; 1024]] {
            host.slot(2).write(message);
            // SAFETY: this thread owns both mappings' slot 2.
            let request = unsafe { server.slot(2).request(message.len()) };
            assert_eq!(request, message, "{} bytes", message.len());
        }
        let info = PluginInfo {
            name: "é".repeat(100),
            version: "1.0".into(),
            abi: (1, 2),
            sandbox: crate::RP_PROCESS_SANDBOX_SECCOMP,
        };
        server.publish(server_state::READY, &info, 0, "");
        let (published, versions, _) = host.published();
        assert_eq!(versions, (PROTOCOL_MAJOR, PROTOCOL_MINOR));
        assert_eq!(
            published.name,
            "é".repeat(63),
            "cut at a character boundary"
        );
        assert_eq!(published.abi, (1, 2));
    }

    #[test]
    fn anything_else_is_refused() {
        let file = tempfile_with(&[0u8; 8192]);
        let error = Region::open(file).err().unwrap();
        assert!(error.to_string().contains("no magic"), "{error}");
        let error = Region::open(tempfile_with(b"x")).err().unwrap();
        assert!(error.to_string().contains("too small"), "{error}");
    }

    fn tempfile_with(bytes: &[u8]) -> OwnedFd {
        // SAFETY: as in Region::create.
        let fd = unsafe { libc::memfd_create(c"test".as_ptr(), libc::MFD_CLOEXEC) };
        assert!(fd >= 0);
        // SAFETY: fd is new and ours.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut file = std::fs::File::from(fd);
        std::io::Write::write_all(&mut file, bytes).unwrap();
        file.into()
    }
}
