//! How each side waits for the other on a state word: spinning while the other side may be
//! running on another CPU, then sleeping on the word as a futex, woken only when it sleeps.

use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a side spins on a state word before it sleeps, when host and server can run on
/// different CPUs: a round trip between two spinning sides takes about a microsecond here, one
/// with futex wake-ups several. When they share their only CPU, spinning only delays the other
/// side, and they do not spin at all (see [`spin_for`]).
///
/// Tried and dropped (2026-12-07, 2-core Intel VM): 200 us. A Go host loses its CPU now and then
/// for longer than 20 us, and a server asleep by then costs the next call a wake-up, so from Go
/// GetUser out of process went from 865 to 742 ns and GetUserByClaim from 629 to 503 (medians of
/// 5 interleaved runs). But with more threads than CPUs (the gateway's load test unpinned: the
/// gateway, its load generator and the server on 2 CPUs) the spinning sides kept the others from
/// running: the out-of-process echo served 6982 and 6563 requests/s against 11225 and 10965
/// with 20 us (2 interleaved runs each).
pub const SPIN: Duration = Duration::from_micros(20);

/// The CPUs the calling thread may run on (`sched_getaffinity`).
pub fn own_cpus() -> io::Result<libc::cpu_set_t> {
    // SAFETY: cpu_set_t is a plain bit array, valid when zeroed.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: a valid, writable set of the size given.
    if unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(set)
}

/// The spin of host and server on the CPUs given: [`SPIN`] when together they may run on two
/// CPUs or more, else none.
pub fn spin_for(host: &libc::cpu_set_t, server: &libc::cpu_set_t) -> Duration {
    let cpus = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: cpu < CPU_SETSIZE: inside both sets.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, host) || libc::CPU_ISSET(cpu, server) })
        .count();
    if cpus >= 2 {
        SPIN
    } else {
        Duration::ZERO
    }
}

/// A call's deadline, `timeout` after the first time a wait asks for it. The clock is read only
/// then: a call that finds a slot free and its answer within the spin never reads it (a vDSO call
/// of about 25 ns here, a sixteenth of a call out of process). So the timeout runs from the
/// call's first wait, which comes after no more of its own work than a slot and a copy.
#[derive(Debug)]
pub struct Deadline {
    timeout: Duration,
    at: Cell<Option<Instant>>,
}

impl Deadline {
    /// A deadline `timeout` after its first use.
    pub fn after(timeout: Duration) -> Deadline {
        Deadline {
            timeout,
            at: Cell::new(None),
        }
    }

    /// The time left until the deadline (zero past it).
    pub fn left(&self) -> Duration {
        let now = Instant::now();
        let at = self.at.get().unwrap_or_else(|| {
            let at = now.checked_add(self.timeout).unwrap_or(now + FAR);
            self.at.set(Some(at));
            at
        });
        at.saturating_duration_since(now)
    }
}

/// The deadline of a timeout too large for the clock: far enough to be none.
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Waits until `word` leaves `state`, spinning for `spin` first, then sleeping with `waiting`
/// raised, until `deadline`. Returns the new state, or `None` at the deadline.
pub fn wait_while(
    word: &AtomicU32,
    state: impl Fn(u32) -> bool,
    waiting: &AtomicU32,
    spin: Duration,
    deadline: Option<&Deadline>,
) -> Option<u32> {
    if !spin.is_zero() {
        // Instant::now is a vDSO call (about 25 ns here, a tenth of a call between two spinning
        // sides): the clock is read every 64 turns only, first when the wait has lasted 64.
        let mut spin_until = None;
        let mut spins = 0u32;
        loop {
            let value = word.load(Ordering::Acquire);
            if !state(value) {
                return Some(value);
            }
            spins += 1;
            if spins % 64 == 0 {
                let now = Instant::now();
                match spin_until {
                    // Not past the deadline either: a call's timeout holds during its spin too.
                    None => spin_until = Some(now + deadline.map_or(spin, |d| d.left().min(spin))),
                    Some(until) if now >= until => break,
                    Some(_) => {}
                }
            }
            std::hint::spin_loop();
        }
    }
    loop {
        waiting.store(1, Ordering::SeqCst);
        // SeqCst pairs with the waker's: either it sees `waiting` up, or this load sees its store.
        let value = word.load(Ordering::SeqCst);
        if !state(value) {
            waiting.store(0, Ordering::Relaxed);
            return Some(value);
        }
        let timeout = match deadline {
            Some(deadline) => {
                let left = deadline.left();
                if left.is_zero() {
                    waiting.store(0, Ordering::Relaxed);
                    return None;
                }
                Some(left)
            }
            None => None,
        };
        futex_wait(word, value, timeout);
        waiting.store(0, Ordering::Relaxed);
    }
}

/// Stores `state` into `word` and wakes its sleeper, if `waiting` says there is one.
///
/// No fence: the store and the load here, and the sleeper's store of `waiting` and load of
/// `word`, are all SeqCst, so they fall in one total order, and either the load here sees
/// `waiting` up or the sleeper's load sees `state`. (On x86 the store is an `xchg`, a full barrier
/// already, and `fence(SeqCst)` added a second locked instruction to every hand-over.)
pub fn hand_over(word: &AtomicU32, state: u32, waiting: &AtomicU32) {
    word.store(state, Ordering::SeqCst);
    if waiting.load(Ordering::SeqCst) != 0 {
        futex_wake(word);
    }
}

/// Sleeps while `word` holds `expected`, at most `timeout`: a shared (not process-private) futex.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let timespec = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let timespec_ptr = timespec
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: FUTEX_WAIT on a valid, aligned u32 of a shared mapping, with a valid or NULL
    // relative timeout; it returns on a wake, a timeout, a signal or a changed value, all fine.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            timespec_ptr,
        )
    };
}

/// Wakes every sleeper on `word`.
pub fn futex_wake(word: &AtomicU32) {
    // SAFETY: FUTEX_WAKE on a valid, aligned u32; waking nobody is fine.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX) };
}
