//! Starting a plugin server and watching it: the supervisor thread's loop (start, watch, back
//! off, start again), the server's process (spawned confined, pinned, its pidfd) and its end
//! (stopped, reaped, its exit described). The call path is the parent module's.

use super::*;

pub(super) fn start_error(error: io::Error, what: &str) -> Error {
    Error::Start {
        status: RP_UNAVAILABLE,
        message: format!("cannot create {what}: {error}"),
    }
}

/// How long to wait before the next start after `failures` crashes in a row.
fn backoff(failures: u32, config: &Config) -> Duration {
    match failures {
        0 | 1 => Duration::ZERO,
        n => config
            .backoff_min
            .saturating_mul(1 << (n - 2).min(20))
            .min(config.backoff_max),
    }
}

pub(super) fn supervise(shared: &Shared, started: mpsc::Sender<Result<PluginInfo, Error>>) {
    let mut first = Some(started);
    let mut failures = 0u32;
    loop {
        match start(&shared.config) {
            Ok(server) => {
                let server = Arc::new(server);
                let began = Instant::now();
                {
                    let mut state = lock(&shared.state);
                    if state.closing {
                        drop(state);
                        stop(&server);
                        return;
                    }
                    state.server = Some(Arc::clone(&server));
                }
                shared.changed.notify_all();
                // Only now: `Client::start` returns a client whose server is in service (its pid
                // and sandbox readable), not one still being published.
                if let Some(first) = first.take() {
                    let _ = first.send(Ok(server.info.clone()));
                }
                let Some(cause) = watch(shared, &server) else {
                    return;
                };
                failures = if began.elapsed() >= STABLE {
                    1
                } else {
                    failures + 1
                };
                let mut state = lock(&shared.state);
                state.restarts += 1;
                state.last_failure = format!("the plugin server died: {cause}");
            }
            Err(error) => {
                if let Some(first) = first.take() {
                    let _ = first.send(Err(error));
                    return;
                }
                failures += 1;
                lock(&shared.state).last_failure = error.to_string();
            }
        }
        let wait = backoff(failures, &shared.config);
        let state = lock(&shared.state);
        let (state, _) = shared
            .changed
            .wait_timeout_while(state, wait, |s| !s.closing)
            .unwrap_or_else(|e| e.into_inner());
        if state.closing {
            return;
        }
    }
}

/// Watches a running server until it dies (the cause) or the client closes (`None`, the server
/// stopped).
fn watch(shared: &Shared, server: &Server) -> Option<String> {
    let grace = shared.config.hang_grace;
    let mut killed: Option<String> = None;
    loop {
        // The next time an abandoned slot runs out of grace (-1: none is abandoned).
        let timeout_ms = {
            let mut abandoned = lock(&server.abandoned);
            abandoned.retain(|&(index, since)| {
                let answered = server
                    .region
                    .slot(index)
                    .control
                    .state
                    .load(Ordering::Acquire)
                    == slot_state::RESPONSE;
                if answered {
                    server.release(index);
                } else if since.elapsed() >= grace && killed.is_none() {
                    killed = Some(format!(
                        "killed by its host: a call was still running {} ms past its deadline",
                        grace.as_millis()
                    ));
                    server.kill();
                }
                !answered
            });
            abandoned
                .iter()
                .map(|&(_, since)| grace.saturating_sub(since.elapsed()).as_millis() as i32 + 1)
                .min()
                .unwrap_or(-1)
        };
        let mut fds = [
            libc::pollfd {
                fd: server.pidfd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: shared.wake.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: two valid pollfds.
        unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
        if fds[1].revents != 0 {
            let mut count = 0u64;
            // SAFETY: reads the eventfd's 8-byte counter (non-blocking), resetting it.
            unsafe { libc::read(shared.wake.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
        }
        if fds[0].revents != 0 {
            let status = reap(server.pid);
            // A liar's cause was set by the call that killed it.
            let cause = server
                .death
                .get()
                .cloned()
                .or(killed)
                .unwrap_or_else(|| describe(status));
            shared.out_of_service(server);
            server.mark_dead(cause.clone());
            return Some(cause);
        }
        if lock(&shared.state).closing {
            lock(&shared.state).server = None;
            stop(server);
            return None;
        }
    }
}

/// Asks the server to stop, waits up to 2 s for it, then kills it; reaps it either way.
fn stop(server: &Server) {
    for index in 0..server.region.slot_count() {
        let control = server.region.slot(index).control;
        protocol::hand_over(
            &control.state,
            slot_state::SHUTDOWN,
            &control.server_waiting,
        );
    }
    if !wait_exit(&server.pidfd, Duration::from_secs(2)) {
        server.kill();
    }
    reap(server.pid);
    server.mark_dead("it was stopped".into());
}

/// Waits up to `timeout` for the process of `pidfd` to exit.
fn wait_exit(pidfd: &OwnedFd, timeout: Duration) -> bool {
    let mut fd = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut fd, 1, timeout.as_millis().min(i32::MAX as u128) as i32) > 0 }
}

/// Reaps our child `pid` (blocking) and returns its wait status.
fn reap(pid: u32) -> i32 {
    let mut status = 0;
    // SAFETY: waits for our own child; the status is written to a local.
    while unsafe { libc::waitpid(pid as i32, &mut status, 0) } < 0 {
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break;
        }
    }
    status
}

/// "killed by SIGSEGV", "exited with status 3".
fn describe(status: i32) -> String {
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        // SAFETY: strsignal returns a static or thread-local string for any number.
        let name = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(signal)) };
        format!("killed by signal {signal} ({})", name.to_string_lossy())
    } else {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    }
}

/// The environment variable that places plugin servers on CPUs: a list as `taskset -c` takes it
/// ("0", "0,2-3"). Unset, a server runs where its host may. Benchmarks that pin a host to one
/// CPU set it, so that host and server do not take turns on that CPU.
pub const PLUGIN_CPUS_ENV: &str = "RP_PLUGIN_CPUS";

/// The CPU set of [`PLUGIN_CPUS_ENV`], or `None` when it is unset.
fn plugin_cpus() -> Result<Option<libc::cpu_set_t>, Error> {
    let Some(list) = std::env::var_os(PLUGIN_CPUS_ENV) else {
        return Ok(None);
    };
    let list = list.to_string_lossy();
    let invalid = || Error::Argument {
        status: RP_INVALID_ARGUMENT,
        message: format!(
            "{PLUGIN_CPUS_ENV}={list:?}: not a CPU list such as 0 or 0,2-3 (CPUs below {})",
            libc::CPU_SETSIZE
        ),
    };
    // SAFETY: cpu_set_t is a plain bit array, valid when zeroed (the empty set).
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for item in list.split(',') {
        let (first, last) = item.split_once('-').unwrap_or((item, item));
        let (first, last): (usize, usize) = match (first.trim().parse(), last.trim().parse()) {
            (Ok(first), Ok(last)) if first <= last && last < libc::CPU_SETSIZE as usize => {
                (first, last)
            }
            _ => return Err(invalid()),
        };
        for cpu in first..=last {
            // SAFETY: cpu < CPU_SETSIZE, checked above: the bit is inside the set.
            unsafe { libc::CPU_SET(cpu, &mut set) };
        }
    }
    Ok(Some(set))
}

/// Starts a server and waits for its handshake.
fn start(config: &Config) -> Result<Server, Error> {
    let cpus = plugin_cpus()?;
    let own_cpus = protocol::own_cpus().map_err(|e| start_error(e, "this thread's CPUs"))?;
    let spin = protocol::spin_for(&own_cpus, cpus.as_ref().unwrap_or(&own_cpus));
    let region = Region::create(config.slots, config.slot_bytes)
        .map_err(|e| start_error(e, "the shared region"))?;
    region
        .header()
        .spin_ns
        .store(spin.as_nanos() as u32, Ordering::Relaxed);
    let fd = region.fd().as_raw_fd();
    let mut command = Command::new(&config.server);
    command
        .arg("--kind")
        .arg(config.kind.name())
        .arg("--plugin")
        .arg(&config.plugin)
        .arg("--config")
        .arg(&config.config)
        .stdin(Stdio::null());
    if config.memory_limit > 0 {
        command
            .arg("--memory-limit")
            .arg(config.memory_limit.to_string());
    }
    let host = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // async-signal-safe functions (fcntl, dup2, close_range, prctl, getppid, sched_setaffinity).
    unsafe {
        command.pre_exec(move || {
            protocol::inherit_as_region_fd(fd)?;
            // The server inherits the region and the standard streams, nothing else of the host:
            // not another route's region, not a socket, even one opened without close-on-exec.
            if libc::syscall(
                libc::SYS_close_range,
                4u32,
                u32::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            // The server dies with its host: no orphan keeps a plugin running (the server's
            // seccomp filter keeps its plugin from undoing this or forking a child that would
            // outlive it). A host that died before this line is caught by the parent check.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != host {
                return Err(io::Error::other(
                    "the host exited while starting its server",
                ));
            }
            if let Some(set) = &cpus {
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        })
    };
    let child = command.spawn().map_err(|e| Error::Start {
        status: RP_UNAVAILABLE,
        message: format!(
            "cannot start the plugin server {}: {e}",
            config.server.display()
        ),
    })?;
    let pid = child.id();
    // SAFETY: pidfd_open of our unreaped child; checked below.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if pidfd < 0 {
        let error = io::Error::last_os_error();
        // SAFETY: our child, not yet reaped.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        reap(pid);
        return Err(start_error(error, "a pidfd"));
    }
    // SAFETY: a new fd, owned by nothing else.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as i32) };
    drop(child); // reaped by `reap`, never by std
    let failed = |message: String, status: Status| {
        // SAFETY: as in Server::kill.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                pidfd.as_raw_fd(),
                libc::SIGKILL,
                0,
                0,
            )
        };
        reap(pid);
        Err(Error::Start { status, message })
    };
    let deadline = Instant::now() + config.start_timeout;
    let header = region.header();
    let state = loop {
        let state = header.state.load(Ordering::Acquire);
        if state != server_state::STARTING {
            break state;
        }
        if wait_exit(&pidfd, Duration::ZERO) {
            let cause = describe(reap(pid));
            return Err(Error::Start {
                status: RP_UNAVAILABLE,
                message: format!("the plugin server exited before it was ready: {cause} (its standard error says why)"),
            });
        }
        if Instant::now() >= deadline {
            return failed(
                format!(
                    "the plugin server was not ready within {:?}: killed",
                    config.start_timeout
                ),
                RP_UNAVAILABLE,
            );
        }
        protocol::futex_wait(
            &header.state,
            server_state::STARTING,
            Some(Duration::from_millis(5)),
        );
    };
    let (info, (major, minor), message) = region.published();
    if state == server_state::REFUSED {
        // It exits by itself after refusing; the kill only bounds the wait.
        let status = header.status.load(Ordering::Relaxed);
        return failed(message, if status == 0 { RP_UNAVAILABLE } else { status });
    }
    if state != server_state::READY || !protocol::host_can_use((major, minor)) {
        return failed(
            format!(
                "the plugin server {} speaks protocol {major}.{minor}, this host {}.{}: use the \
                 rp-plugin-server built with this host",
                config.server.display(),
                protocol::PROTOCOL_MAJOR,
                protocol::PROTOCOL_MINOR
            ),
            RP_ABI_MISMATCH,
        );
    }
    let slots = region.slot_count();
    Ok(Server {
        responses: (0..slots).map(|_| UnsafeCell::new(Vec::new())).collect(),
        region,
        pid,
        pidfd,
        info,
        free: Mutex::new(FreeSlots {
            slots: (0..slots).rev().collect(),
            waiting: 0,
        }),
        freed: Condvar::new(),
        abandoned: Mutex::new(Vec::new()),
        spin,
        dead: AtomicBool::new(false),
        death: OnceLock::new(),
    })
}
