//! The host's side: starts a plugin server, supervises it, and makes calls to it.
//!
//! # Supervision
//! One thread per [`Client`] starts the server, then watches it (its pidfd, and the slots whose
//! calls passed their deadline). When the server dies (a segfault, an abort, a stack overflow,
//! out of memory under its limit), the calls in it fail with [`Error::Died`], and a new server
//! is started: at once after the first crash, then after a backoff that doubles with each crash
//! that follows within [`STABLE`] of a start (`backoff_min` up to `backoff_max`). Meanwhile calls
//! **wait** for the new server, up to their own deadline ([`Error::Unavailable`] past it): a crash
//! costs the calls that were in the server, not the ones after it.
//!
//! A call past its deadline returns [`Error::Deadline`]; its slot stays with the server. When
//! the server has not answered it `hang_grace` later, the server is taken as stuck: it is killed
//! (and restarted like after a crash).

use std::cell::UnsafeCell;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rp_ffi_core::status::{
    Status, RP_ABI_MISMATCH, RP_DEADLINE, RP_INVALID_ARGUMENT, RP_INVALID_UTF8, RP_PROCESS_DIED,
    RP_TOO_LARGE, RP_UNAVAILABLE,
};

use crate::protocol::{self, server_state, slot_state, Deadline, PluginInfo, Region};

mod supervise;
pub use supervise::PLUGIN_CPUS_ENV;
use supervise::{start_error, supervise};

/// A server that lived this long before it died had no part in a crash loop: the backoff
/// starts again from zero.
pub const STABLE: Duration = Duration::from_secs(1);

/// What the server loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A user manager plugin (`rustplugin.h`); the configuration is a users file ("" for the demo).
    UserManager,
    /// An HTTP plugin (`rp_http_plugin.h`); the configuration is what its `init` receives.
    Http,
}

impl Kind {
    /// The server's `--kind` argument.
    pub fn name(self) -> &'static str {
        match self {
            Kind::UserManager => "user-manager",
            Kind::Http => "http",
        }
    }
}

/// How to start and supervise a server.
#[derive(Clone, Debug)]
pub struct Config {
    /// The `rp-plugin-server` executable.
    pub server: PathBuf,
    /// The plugin's shared library.
    pub plugin: PathBuf,
    pub kind: Kind,
    pub config: String,
    /// Calls in the server at once (its threads); more wait for a slot.
    pub slots: u32,
    /// The largest request and response, in bytes.
    pub slot_bytes: u32,
    /// The address space the server may add beyond its binary and shared region at start
    /// (`RLIMIT_AS`); 0 for no limit.
    pub memory_limit: u64,
    /// Time for a server to start and load its plugin.
    pub start_timeout: Duration,
    /// Time a server gets, after a call's deadline, to answer it before it is killed.
    pub hang_grace: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Config {
    /// A configuration with the defaults: 4 slots of 1 MiB, no memory limit, 5 s to start, 1 s
    /// of grace, backoff 10 ms to 2 s.
    pub fn new(server: impl Into<PathBuf>, plugin: impl Into<PathBuf>, kind: Kind) -> Config {
        Config {
            server: server.into(),
            plugin: plugin.into(),
            kind,
            config: String::new(),
            slots: 4,
            slot_bytes: 1 << 20,
            memory_limit: 0,
            start_timeout: Duration::from_secs(5),
            hang_grace: Duration::from_secs(1),
            backoff_min: Duration::from_millis(10),
            backoff_max: Duration::from_secs(2),
        }
    }
}

/// Why a call or a start failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The server could not be started, or refused (another protocol version, a plugin it
    /// cannot load): the message says which.
    Start { status: Status, message: String },
    /// The server died with the call in it.
    Died(String),
    /// The call did not finish before its deadline.
    Deadline,
    /// No server took the call before its deadline; the last failure to start or the crash.
    Unavailable(String),
    /// The request is larger than a slot.
    TooLarge { len: usize, capacity: usize },
    /// The client is closed.
    Closed,
    /// An argument of the C API was unusable.
    Argument { status: Status, message: String },
}

impl Error {
    /// The C status of the error.
    pub fn status(&self) -> Status {
        match self {
            Error::Start { status, .. } | Error::Argument { status, .. } => *status,
            Error::Died(_) => RP_PROCESS_DIED,
            Error::Deadline => RP_DEADLINE,
            Error::Unavailable(_) => RP_UNAVAILABLE,
            Error::TooLarge { .. } => RP_TOO_LARGE,
            Error::Closed => RP_INVALID_ARGUMENT,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Start { message, .. } | Error::Argument { message, .. } => f.write_str(message),
            Error::Died(cause) => write!(f, "the plugin server died during the call: {cause}"),
            Error::Deadline => f.write_str("the call did not finish before its deadline"),
            Error::Unavailable(why) => write!(
                f,
                "no plugin server took the call before its deadline: {why}"
            ),
            Error::TooLarge { len, capacity } => {
                write!(
                    f,
                    "a request of {len} bytes is over the {capacity} bytes of a slot"
                )
            }
            Error::Closed => f.write_str("the client is closed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<rp_ffi_core::ArgError> for Error {
    fn from(error: rp_ffi_core::ArgError) -> Self {
        match error {
            rp_ffi_core::ArgError::Invalid(message) => Error::Argument {
                status: RP_INVALID_ARGUMENT,
                message,
            },
            rp_ffi_core::ArgError::Utf8 {
                argument,
                valid_up_to,
            } => Error::Argument {
                status: RP_INVALID_UTF8,
                message: format!("`{argument}` is not UTF-8 after byte {valid_up_to}"),
            },
        }
    }
}

/// A running server, as the supervisor started it.
struct Server {
    region: Region,
    /// Per slot, the host's copy of its last response (read once out of the region): the slot's
    /// call owns it, like the slot, until its [`Reply`] drops.
    responses: Box<[UnsafeCell<Vec<u8>>]>,
    pid: u32,
    pidfd: OwnedFd,
    info: PluginInfo,
    /// Slots no call holds.
    free: Mutex<FreeSlots>,
    freed: Condvar,
    /// Slots whose call passed its deadline, and when.
    abandoned: Mutex<Vec<(u32, Instant)>>,
    /// How long a call spins for its answer before it sleeps (protocol::spin_for).
    spin: Duration,
    /// Set before the supervisor marks the slots DEAD.
    dead: AtomicBool,
    death: OnceLock<String>,
}

/// The slots no call holds, and how many calls wait for one.
pub(crate) struct FreeSlots {
    pub(crate) slots: Vec<u32>,
    pub(crate) waiting: usize,
}

// SAFETY: `responses[i]` is touched only by the call that holds slot `i` (taken from `free`,
// given back by `release`), so never by two threads at once; the rest is Sync.
unsafe impl Sync for Server {}

impl Server {
    fn acquire(&self, deadline: &Deadline) -> Result<u32, Error> {
        let mut free = lock(&self.free);
        loop {
            if self.dead.load(Ordering::Acquire) {
                return Err(Error::Died(self.death()));
            }
            if let Some(index) = free.slots.pop() {
                return Ok(index);
            }
            let left = deadline.left();
            if left.is_zero() {
                return Err(Error::Deadline);
            }
            free.waiting += 1;
            free = self
                .freed
                .wait_timeout(free, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
            free.waiting -= 1;
        }
    }

    fn release(&self, index: u32) {
        let mut free = lock(&self.free);
        free.slots.push(index);
        // Condvar::notify_one is a futex system call even with no one waiting (measured: one per
        // call, about a third of an out-of-process call): only when a call waits for a slot.
        if free.waiting > 0 {
            self.freed.notify_one();
        }
    }

    fn death(&self) -> String {
        self.death
            .get()
            .cloned()
            .unwrap_or_else(|| "it exited".into())
    }

    /// Marks the server dead with `cause`: every call in it fails, every call waiting for a slot.
    fn mark_dead(&self, cause: String) {
        let _ = self.death.set(cause);
        self.dead.store(true, Ordering::SeqCst);
        for index in 0..self.region.slot_count() {
            let control = self.region.slot(index).control;
            if control
                .state
                .compare_exchange(
                    slot_state::REQUEST,
                    slot_state::DEAD,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
            {
                protocol::futex_wake(&control.state);
            }
        }
        let _free = lock(&self.free);
        self.freed.notify_all();
    }

    fn kill(&self) {
        // SAFETY: a pidfd of our child that is not reaped yet (the supervisor reaps it after the
        // pidfd says it exited, and only then drops the Server's last use here), so the signal
        // can only reach that process.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_raw_fd(),
                libc::SIGKILL,
                0,
                0,
            )
        };
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves consistent data (pushes and pops).
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

struct State {
    server: Option<Arc<Server>>,
    closing: bool,
    restarts: u64,
    last_failure: String,
}

struct Shared {
    config: Config,
    state: Mutex<State>,
    changed: Condvar,
    /// An eventfd that wakes the supervisor (a call abandoned, the client closing).
    wake: OwnedFd,
}

impl Shared {
    /// No new call goes to `server` (if it still is the current one): they wait for the next.
    fn out_of_service(&self, server: &Server) {
        let mut state = lock(&self.state);
        if state
            .server
            .as_ref()
            .is_some_and(|current| std::ptr::eq(&**current, server))
        {
            state.server = None;
        }
    }

    fn poke(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes to an eventfd we own; a full counter cannot happen (u64).
        unsafe { libc::write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }
}

/// A supervised plugin server and the calls to it.
///
/// # Thread-safety
/// `Client` is `Send` and `Sync`: any number of threads may call at once (up to `slots` in the
/// server, the others waiting for a slot).
pub struct Client {
    shared: Arc<Shared>,
    supervisor: Option<JoinHandle<()>>,
    info: PluginInfo,
}

/// An answer, in the server's slot until it is dropped.
pub struct Reply {
    server: Arc<Server>,
    index: u32,
    /// The call's status (`RP_OK`, or the plugin's).
    pub status: Status,
}

impl Reply {
    /// The response (on failure: the plugin's message): the host's own copy, which the server
    /// cannot change.
    pub fn data(&self) -> &[u8] {
        // SAFETY: this reply holds slot `index` until it drops, and with it the slot's copy
        // (Server's Sync); the copy was filled by the call and nothing writes it meanwhile.
        unsafe { &*self.server.responses[self.index as usize].get() }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        self.server.release(self.index);
    }
}

impl Client {
    /// Starts the server and waits until it serves, or says why it cannot.
    pub fn start(config: Config) -> Result<Client, Error> {
        if config.slots == 0 || config.slot_bytes == 0 {
            return Err(Error::Start {
                status: RP_INVALID_ARGUMENT,
                message: "a client needs at least one slot of at least one byte".into(),
            });
        }
        // SAFETY: creates an eventfd; checked below.
        let wake = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if wake < 0 {
            return Err(start_error(io::Error::last_os_error(), "eventfd"));
        }
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(State {
                server: None,
                closing: false,
                restarts: 0,
                last_failure: String::new(),
            }),
            changed: Condvar::new(),
            // SAFETY: a new fd, owned by nothing else.
            wake: unsafe { OwnedFd::from_raw_fd(wake) },
        });
        let (started, first) = mpsc::channel();
        // The servers are started from this thread, which lives as long as the client: their
        // parent-death signal fires when the thread that forked them ends.
        let supervisor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("rp-process-supervisor".into())
                .spawn(move || supervise(&shared, started))
                .map_err(|e| start_error(e, "a supervisor thread"))?
        };
        match first.recv() {
            Ok(Ok(info)) => Ok(Client {
                shared,
                supervisor: Some(supervisor),
                info,
            }),
            Ok(Err(error)) => {
                let _ = supervisor.join();
                Err(error)
            }
            Err(_) => {
                let _ = supervisor.join();
                Err(Error::Start {
                    status: RP_UNAVAILABLE,
                    message: "the supervisor thread ended".into(),
                })
            }
        }
    }

    /// What the first server loaded.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// How the running server is confined (`RP_PROCESS_SANDBOX_*`; 0 while none runs): each
    /// server says so when it starts.
    pub fn sandbox(&self) -> u32 {
        lock(&self.shared.state)
            .server
            .as_ref()
            .map_or(0, |s| s.info.sandbox)
    }

    /// Servers started after a crash or a kill.
    pub fn restarts(&self) -> u64 {
        lock(&self.shared.state).restarts
    }

    /// The current server's process id (0 while none runs).
    pub fn pid(&self) -> u32 {
        lock(&self.shared.state)
            .server
            .as_ref()
            .map_or(0, |s| s.pid)
    }

    /// The largest request a call takes.
    pub fn capacity(&self) -> usize {
        self.shared.config.slot_bytes.div_ceil(64) as usize * 64
    }

    /// Calls `op` with `request`, within `timeout`.
    pub fn call(&self, op: u32, request: &[u8], timeout: Duration) -> Result<Reply, Error> {
        let deadline = Deadline::after(timeout);
        let server = self.server(&deadline)?;
        let index = server.acquire(&deadline)?;
        let slot = server.region.slot(index);
        if request.len() > slot.capacity() {
            server.release(index);
            return Err(Error::TooLarge {
                len: request.len(),
                capacity: slot.capacity(),
            });
        }
        slot.write(request);
        let control = slot.control;
        control.op.store(op, Ordering::Relaxed);
        control.len.store(request.len() as u32, Ordering::Relaxed);
        protocol::hand_over(&control.state, slot_state::REQUEST, &control.server_waiting);
        // The supervisor may have marked the slots before this one was posted.
        if server.dead.load(Ordering::SeqCst) {
            let _ = control.state.compare_exchange(
                slot_state::REQUEST,
                slot_state::DEAD,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
        }
        let state = protocol::wait_while(
            &control.state,
            |s| s == slot_state::REQUEST,
            &control.host_waiting,
            server.spin,
            Some(&deadline),
        );
        match state {
            Some(slot_state::RESPONSE) => {
                // Each word read once, checked against the host's own capacity, the data copied
                // out: what the server writes from here on reaches nothing the host reads.
                let len = control.len.load(Ordering::Acquire) as usize;
                let status = control.status.load(Ordering::Acquire);
                if len > slot.capacity() {
                    return Err(self.kill_liar(
                        &server,
                        format!(
                            "it answered {len} bytes in a slot of {}: killed",
                            slot.capacity()
                        ),
                    ));
                }
                // SAFETY: this call holds slot `index`, and so its copy (Server's Sync).
                slot.read(len, unsafe { &mut *server.responses[index as usize].get() });
                Ok(Reply {
                    server,
                    index,
                    status,
                })
            }
            // Only the host's supervisor marks a slot DEAD, after it set `dead`: a DEAD the
            // server wrote is a lie, and a server that lies is killed like one that hangs.
            Some(slot_state::DEAD) if server.dead.load(Ordering::SeqCst) => {
                Err(Error::Died(server.death()))
            }
            Some(other) => Err(self.kill_liar(
                &server,
                format!("it set slot {index} to state {other}: killed"),
            )),
            None => {
                lock(&server.abandoned).push((index, Instant::now()));
                self.shared.poke();
                Err(Error::Deadline)
            }
        }
    }

    /// Kills a server that broke the protocol, and takes it out of service at once: the calls
    /// after this one wait for its replacement instead of failing on it.
    fn kill_liar(&self, server: &Server, why: String) -> Error {
        let _ = server.death.set(why.clone());
        server.kill();
        self.shared.out_of_service(server);
        Error::Died(why)
    }

    /// The current server, waiting for one until `deadline`.
    fn server(&self, deadline: &Deadline) -> Result<Arc<Server>, Error> {
        let mut state = lock(&self.shared.state);
        loop {
            if state.closing {
                return Err(Error::Closed);
            }
            if let Some(server) = &state.server {
                return Ok(Arc::clone(server));
            }
            let left = deadline.left();
            if left.is_zero() {
                return Err(Error::Unavailable(state.last_failure.clone()));
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

impl Drop for Client {
    /// Stops the server (it closes its plugin and exits; killed if it takes over 2 s).
    fn drop(&mut self) {
        lock(&self.shared.state).closing = true;
        self.shared.changed.notify_all();
        self.shared.poke();
        if let Some(supervisor) = self.supervisor.take() {
            let _ = supervisor.join();
        }
    }
}
