//! A plugin that attacks what is around it, for the out-of-process tier's isolation tests: served by
//! `rp-plugin-server`, it tries what a hostile plugin author (or a plugin with a memory-corruption
//! bug) would, chosen by the request's `X-Attack` header, and answers what happened:
//! `blocked: ...` when the attempt failed, `ALLOWED: ...` when it worked (`scribbling: ...` for
//! the scribbler, which always may write its own region). The tests assert that every attack is
//! blocked and that the host survives and keeps serving.
//!
//! | `X-Attack` | tries |
//! |---|---|
//! | `host-fds` | open `/proc/<host>/fd/*`, `/proc/<host>/mem`, `/proc/<host>/environ` |
//! | `other-regions` | open `/proc/<pid>/fd/3` (a server's region) of every other process |
//! | `signal` | signal the host (signal 0: the permission check, nothing delivered) |
//! | `fork` | start a child process (which would outlive the server) |
//! | `exec` | run `/bin/true` |
//! | `read-host-memory` | `process_vm_readv` from the host |
//! | `write-file` | create a file in `/tmp` |
//! | `connect` | a TCP connection to the `X-Port` on 127.0.0.1 |
//! | `keep-running` | clear the parent-death signal |
//! | `raise-limit` | raise the address-space limit |
//! | `truncate` / `grow` | shrink or grow the shared region (fd 3) |
//! | `scribble` | overwrite the region's header and the other slots' control words with lies |
//! | `whoami` | nothing: answers its uid |
//!
//! Built natively only (it is not a Wasm guest), and never shipped.

use std::io;
use std::time::{Duration, Instant};

use rp_http_plugin::{HttpPlugin, PluginError, Request, Response};

pub struct Hostile;

/// The shared region's file descriptor in a plugin server (`rp_process::protocol::REGION_FD`).
const REGION_FD: i32 = 3;

impl HttpPlugin for Hostile {
    fn new() -> Self {
        Hostile
    }

    fn init(&mut self, _config: &str) -> Result<(), PluginError> {
        Ok(())
    }

    fn handle(
        &self,
        request: &Request<'_>,
        response: &mut Response<'_>,
    ) -> Result<(), PluginError> {
        let port = request
            .header("X-Port")?
            .and_then(|p| std::str::from_utf8(p).ok()?.parse().ok())
            .unwrap_or(1);
        let answer = match request.header("X-Attack")? {
            Some(b"host-fds") => host_fds(),
            Some(b"other-regions") => other_regions(),
            Some(b"signal") => errno_of(
                "signal the host",
                // SAFETY: signal 0 delivers nothing; it only asks whether a signal would be allowed.
                unsafe { libc::kill(libc::getppid(), 0) },
            ),
            Some(b"fork") => fork(),
            Some(b"exec") => match std::process::Command::new("/bin/true").status() {
                Ok(status) => format!("ALLOWED: ran /bin/true: {status}"),
                Err(e) => format!("blocked: exec: {e}"),
            },
            Some(b"read-host-memory") => read_host_memory(),
            Some(b"write-file") => {
                let path = format!("/tmp/rp-hostile-plugin-{}", std::process::id());
                match std::fs::write(&path, b"x") {
                    Ok(()) => {
                        let _ = std::fs::remove_file(&path);
                        format!("ALLOWED: wrote {path}")
                    }
                    Err(e) => format!("blocked: write {path}: {e}"),
                }
            }
            Some(b"connect") => match std::net::TcpStream::connect(("127.0.0.1", port)) {
                Ok(_) => format!("ALLOWED: connected to 127.0.0.1:{port}"),
                Err(e) => format!("blocked: connect to 127.0.0.1:{port}: {e}"),
            },
            Some(b"keep-running") => errno_of(
                "clear the parent-death signal",
                // SAFETY: prctl with valid arguments.
                unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0, 0, 0, 0) },
            ),
            Some(b"raise-limit") => {
                let unlimited = libc::rlimit {
                    rlim_cur: libc::RLIM_INFINITY,
                    rlim_max: libc::RLIM_INFINITY,
                };
                // SAFETY: a valid rlimit.
                errno_of("raise RLIMIT_AS", unsafe {
                    libc::setrlimit(libc::RLIMIT_AS, &unlimited)
                })
            }
            Some(b"truncate") => errno_of(
                "shrink the region",
                // SAFETY: ftruncate on the server's own descriptor.
                unsafe { libc::ftruncate(REGION_FD, 0) },
            ),
            Some(b"grow") => errno_of(
                "grow the region",
                // SAFETY: as above.
                unsafe { libc::ftruncate(REGION_FD, 1 << 40) },
            ),
            Some(b"scribble") => scribble(),
            // SAFETY: getuid cannot fail.
            Some(b"whoami") => format!("uid {}", unsafe { libc::getuid() }),
            _ => "ok".into(),
        };
        response.set_body(answer.as_bytes())
    }
}

/// "blocked: what: error" when `result` is -1, else "ALLOWED: what".
fn errno_of(what: &str, result: i32) -> String {
    if result == -1 {
        format!("blocked: {what}: {}", io::Error::last_os_error())
    } else {
        format!("ALLOWED: {what}")
    }
}

fn host_fds() -> String {
    // SAFETY: getppid cannot fail.
    let host = unsafe { libc::getppid() };
    let mut opened = Vec::new();
    let mut first_error = None;
    let mut paths: Vec<String> = (0..256).map(|fd| format!("/proc/{host}/fd/{fd}")).collect();
    paths.extend(["mem", "environ", "maps"].map(|f| format!("/proc/{host}/{f}")));
    for path in paths {
        match std::fs::File::open(&path) {
            Ok(_) => opened.push(path),
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                first_error.get_or_insert(format!("{path}: {e}"));
            }
            Err(_) => {}
        }
    }
    if opened.is_empty() {
        format!("blocked: {}", first_error.unwrap_or("no such files".into()))
    } else {
        format!("ALLOWED: opened {}", opened.join(", "))
    }
}

fn other_regions() -> String {
    let own = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return "blocked: /proc cannot be listed".into();
    };
    let mut opened = Vec::new();
    let mut tried = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) || name == own {
            continue;
        }
        let path = format!("/proc/{name}/fd/{REGION_FD}");
        tried += 1;
        if std::fs::File::open(&path).is_ok() {
            opened.push(path);
        }
    }
    if opened.is_empty() {
        format!("blocked: none of {tried} processes' fd 3 opened")
    } else {
        format!("ALLOWED: opened {}", opened.join(", "))
    }
}

fn fork() -> String {
    // SAFETY: fork; the child only sleeps and exits (async-signal-safe calls), never returning
    // into Rust code.
    match unsafe { libc::fork() } {
        -1 => format!("blocked: fork: {}", io::Error::last_os_error()),
        0 => unsafe {
            // SAFETY: as above. A child that outlives its host (for 30 s, so that a test that
            // lets it through still ends).
            libc::sleep(30);
            libc::_exit(0)
        },
        child => format!("ALLOWED: forked process {child}"),
    }
}

fn read_host_memory() -> String {
    let mut buffer = [0u8; 64];
    let local = libc::iovec {
        iov_base: buffer.as_mut_ptr().cast(),
        iov_len: buffer.len(),
    };
    // The address need not be mapped in the host: a call that is allowed fails with EFAULT on it.
    // SAFETY: getppid cannot fail.
    let host = unsafe { libc::getppid() };
    let remote = libc::iovec {
        iov_base: 0x1000 as *mut libc::c_void,
        iov_len: buffer.len(),
    };
    // SAFETY: valid iovecs of this process; the remote one is only an address in another.
    let read = unsafe { libc::process_vm_readv(host, &local, 1, &remote, 1, 0) };
    if read >= 0 {
        return format!("ALLOWED: read {read} bytes of the host");
    }
    let error = io::Error::last_os_error();
    // EFAULT means the call was allowed and only the address was wrong.
    if error.raw_os_error() == Some(libc::EFAULT) {
        format!("ALLOWED: process_vm_readv reached the host ({error})")
    } else {
        format!("blocked: process_vm_readv: {error}")
    }
}

/// The region's layout as rp_process::protocol lays it out (not a public ABI: a plugin that
/// scribbles does not care about being right, only about reaching it).
const HEADER_BYTES: usize = 4096;
const SLOT_CONTROL_BYTES: usize = 24; // the data follows, on the same cache line
const SLOT_OVERHEAD_BYTES: usize = 64; // a slot is this plus its data
const SLOT_COUNT_OFFSET: usize = 16;
const SLOT_BYTES_OFFSET: usize = 20;

/// Maps the region and, for `SCRIBBLE_FOR`, on a thread of its own, writes lies everywhere the
/// host might read: a header whose geometry points past the mapping, and in every slot (its own
/// call's included) a huge length, a status, a state the server never writes (`RESPONSE` with
/// nothing in it, `DEAD`), and bytes over the data.
fn scribble() -> String {
    // SAFETY: fstat into a zeroed struct.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid fd and out-pointer.
    if unsafe { libc::fstat(REGION_FD, &mut stat) } != 0 {
        return format!("blocked: fstat fd 3: {}", io::Error::last_os_error());
    }
    let bytes = stat.st_size as usize;
    // SAFETY: a fresh shared mapping of fd 3's size; checked.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            REGION_FD,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return format!("blocked: mmap fd 3: {}", io::Error::last_os_error());
    }
    let base = base as usize; // to move it to the thread; the mapping is never unmapped
                              // SAFETY: in the mapping (the header is a page).
    let slot_bytes = unsafe { ((base + SLOT_BYTES_OFFSET) as *const u32).read_volatile() } as usize;
    std::thread::spawn(move || {
        let word = |offset: usize, value: u32| {
            if offset + 4 <= bytes {
                // SAFETY: in the mapping (checked), 4-aligned; volatile, as the host reads it.
                unsafe { ((base + offset) as *mut u32).write_volatile(value) };
            }
        };
        let start = Instant::now();
        let mut round = 0u32;
        while start.elapsed() < SCRIBBLE_FOR {
            word(SLOT_COUNT_OFFSET, u32::MAX);
            word(SLOT_BYTES_OFFSET, u32::MAX - 63);
            let mut offset = HEADER_BYTES;
            while offset + SLOT_CONTROL_BYTES <= bytes && slot_bytes > 0 {
                word(offset + 16, u32::MAX - round % 2); // len
                word(offset + 20, 0x7fff_ffff); // status
                word(offset, [2, 4, 7][round as usize % 3]); // state: RESPONSE, DEAD, nonsense

                // Small messages lie right after the control words, larger ones on the next line.
                let data = (SLOT_OVERHEAD_BYTES - SLOT_CONTROL_BYTES + slot_bytes)
                    .min(bytes - offset - SLOT_CONTROL_BYTES);
                // SAFETY: the slot's data, inside the mapping (the loop's bound).
                unsafe {
                    std::ptr::write_bytes(
                        (base + offset + SLOT_CONTROL_BYTES) as *mut u8,
                        0xAA,
                        data,
                    )
                };
                offset += SLOT_OVERHEAD_BYTES + slot_bytes;
            }
            round = round.wrapping_add(1);
            std::thread::sleep(Duration::from_micros(50));
        }
    });
    "scribbling: over the header and every slot, for 300 ms (the host must not care)".into()
}

/// How long `scribble` keeps writing.
const SCRIBBLE_FOR: Duration = Duration::from_millis(300);

rp_http_plugin::export_http_plugin!(Hostile);
