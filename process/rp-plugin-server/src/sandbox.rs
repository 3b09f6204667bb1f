//! What the server does to itself before the plugin's first instruction runs (its constructors run
//! at `dlopen`), so that a hostile or broken plugin cannot reach its host, other routes' servers,
//! or outlive its host:
//!
//! 1. **A uid of its own when started as root**: the plugin file and the users file are copied
//!    first into sealed memfds (loaded then through `/proc/self/fd`), then the server takes uid
//!    and gid 65534 (nobody) with no supplementary groups: no capability left, and no signal or
//!    `ptrace` reaches a root host. The parent-death signal, which the change of uid clears, is
//!    set again.
//! 2. **`no_new_privs`**, and not dumpable: no set-uid program gives rights back, and other
//!    processes of the same uid cannot read this one through `/proc` or `ptrace`.
//! 3. **Landlock** (kernel ABI 1 and up, each right where the kernel knows it): no file created,
//!    written, truncated, removed or executed (files open before, such as standard error and the
//!    region, still work); no TCP bind or connect (ABI 4); no signal to a process outside this one
//!    and no abstract Unix socket outside it (ABI 6). Being in a Landlock domain also forbids
//!    `ptrace`-class access to any process outside it: `/proc/<host>/fd/*`, `/proc/<host>/mem`,
//!    `process_vm_readv`, root or not.
//! 4. **seccomp**: no new process (`fork`, `vfork`, `clone` without `CLONE_THREAD`; threads are
//!    fine), no `exec`, no `ptrace` or `process_vm_*`, no `pidfd_*`, no signal to another process,
//!    no change to the parent-death signal, the dumpable flag or a resource limit, no new
//!    namespace. So nothing the plugin starts outlives the server, and the server dies with its
//!    host (`PR_SET_PDEATHSIG`, set by the host).
//!
//! What it does not stop: reading files the server's uid can read, UDP and other non-TCP sockets,
//! using CPU and memory up to the server's limits, and lying on the region (the host reads each
//! word once and checks it: `rp_process::protocol`'s "Trust").

use std::collections::BTreeMap;
use std::ffi::CString;
use std::io;

use rp_process::{
    RP_PROCESS_SANDBOX_LANDLOCK_FS, RP_PROCESS_SANDBOX_LANDLOCK_NET,
    RP_PROCESS_SANDBOX_LANDLOCK_SCOPE, RP_PROCESS_SANDBOX_SECCOMP, RP_PROCESS_SANDBOX_UNPRIVILEGED,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};

/// The uid and gid a server started as root takes: `nobody`.
pub const UNPRIVILEGED_ID: libc::uid_t = 65534;

/// What the sandbox holds on this kernel (`RP_PROCESS_SANDBOX_*`), as the server publishes it to
/// its host.
pub fn confine() -> Result<u32, String> {
    let mut held = 0;
    // SAFETY: getuid/geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        // SAFETY: getppid cannot fail.
        let host = unsafe { libc::getppid() };
        drop_root()?;
        // A change of uid clears the parent-death signal the host set: set it again, then make
        // sure the host did not die in between (its death would not be signalled any more).
        // SAFETY: prctl and getppid with valid arguments.
        if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0
            || unsafe { libc::getppid() } != host
        {
            return Err("the host exited while its server started".into());
        }
        held |= RP_PROCESS_SANDBOX_UNPRIVILEGED;
    }
    // SAFETY: prctl with valid arguments; checked.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(format!("no_new_privs: {}", io::Error::last_os_error()));
    }
    // SAFETY: as above.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(format!("PR_SET_DUMPABLE: {}", io::Error::last_os_error()));
    }
    held |= landlock()?;
    seccomp()?;
    Ok(held | RP_PROCESS_SANDBOX_SECCOMP)
}

/// Takes uid and gid `UNPRIVILEGED_ID`, with no supplementary groups, for good.
fn drop_root() -> Result<(), String> {
    let id = UNPRIVILEGED_ID;
    // SAFETY: setgroups with an empty list, then setresgid/setresuid with plain ids; each checked.
    let failed = unsafe {
        libc::setgroups(0, std::ptr::null()) != 0
            || libc::setresgid(id, id, id) != 0
            || libc::setresuid(id, id, id) != 0
    };
    if failed {
        return Err(format!(
            "cannot give up root for uid {id}: {}",
            io::Error::last_os_error()
        ));
    }
    Ok(())
}

// The kernel's Landlock interface (linux/landlock.h); the libc crate has no binding for it.
const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}
/// Per ABI version (index 0 is ABI 1), the file system rights this sandbox takes away: execute,
/// write, remove and make anything (ABI 1), link or rename across directories (ABI 2), truncate
/// (ABI 3). Reading stays allowed: the plugin and its libraries load after this.
const FS_DENIED: [u64; 3] = [0x1 | 0x2 | 0x1ff0, 1 << 13, 1 << 14];
/// TCP bind and connect (ABI 4).
const NET_DENIED: u64 = 0x1 | 0x2;
/// Abstract Unix sockets and signals outside the domain (ABI 6).
const SCOPED: u64 = 0x1 | 0x2;

/// Enters a Landlock domain with no rule; returns the `sandbox` flags it holds (none on a kernel
/// without Landlock).
fn landlock() -> Result<u32, String> {
    // SAFETY: the version query takes no attribute.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if abi < 1 {
        return Ok(0); // no Landlock in this kernel, or it is disabled: seccomp and uid still hold
    }
    let mut held = RP_PROCESS_SANDBOX_LANDLOCK_FS;
    let mut attr = RulesetAttr {
        handled_access_fs: FS_DENIED.iter().take(abi as usize).fold(0, |a, b| a | b),
        handled_access_net: 0,
        scoped: 0,
    };
    if abi >= 4 {
        attr.handled_access_net = NET_DENIED;
        held |= RP_PROCESS_SANDBOX_LANDLOCK_NET;
    }
    if abi >= 6 {
        attr.scoped = SCOPED;
        held |= RP_PROCESS_SANDBOX_LANDLOCK_SCOPE;
    }
    // An older kernel takes the shorter struct it knows (the `scoped` field came with ABI 6).
    let size = if abi >= 6 {
        size_of::<RulesetAttr>()
    } else if abi >= 4 {
        16
    } else {
        8
    };
    // SAFETY: a valid attribute of `size` bytes (a prefix of RulesetAttr); checked.
    let ruleset = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            size,
            0u32,
        )
    };
    if ruleset < 0 {
        return Err(format!(
            "landlock_create_ruleset: {}",
            io::Error::last_os_error()
        ));
    }
    // SAFETY: restricts this process to the ruleset (no_new_privs is set), then closes its fd.
    let restricted = unsafe {
        let result = libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32);
        libc::close(ruleset as i32);
        result
    };
    if restricted != 0 {
        return Err(format!(
            "landlock_restrict_self: {}",
            io::Error::last_os_error()
        ));
    }
    Ok(held)
}

/// Installs the seccomp filters (on every thread there is).
fn seccomp() -> Result<(), String> {
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|e| format!("seccomp: {e:?}"))?;
    // SAFETY: getpid cannot fail; this process cannot fork after the filter, so its pid stays.
    let own = unsafe { libc::getpid() } as u64;
    let condition = |arg: u8, len: SeccompCmpArgLen, op: SeccompCmpOp, value: u64| {
        SeccompCondition::new(arg, len, op, value).map_err(|e| format!("seccomp: {e}"))
    };
    let when = |conditions: Vec<SeccompCondition>| {
        SeccompRule::new(conditions).map_err(|e| format!("seccomp: {e}"))
    };
    // arg 0 is another process's id: kill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo.
    let not_self = || {
        Ok::<_, String>(vec![when(vec![condition(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Ne,
            own,
        )?])?])
    };
    let mut denied: BTreeMap<i64, Vec<SeccompRule>> = [
        #[cfg(target_arch = "x86_64")] // elsewhere fork is clone, checked below
        libc::SYS_fork,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_vfork,
        libc::SYS_execve,
        libc::SYS_execveat,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_pidfd_open,
        libc::SYS_pidfd_getfd,
        libc::SYS_pidfd_send_signal,
        libc::SYS_kcmp,
        libc::SYS_tkill,
        libc::SYS_setrlimit,
        libc::SYS_unshare,
        libc::SYS_setns,
    ]
    .into_iter()
    .map(|call| (call, Vec::new()))
    .collect();
    for call in [
        libc::SYS_kill,
        libc::SYS_tgkill,
        libc::SYS_rt_sigqueueinfo,
        libc::SYS_rt_tgsigqueueinfo,
    ] {
        denied.insert(call, not_self()?);
    }
    // A new process, not a thread.
    denied.insert(
        libc::SYS_clone,
        vec![when(vec![condition(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(libc::CLONE_THREAD as u64),
            0,
        )?])?],
    );
    let prctl = [libc::PR_SET_PDEATHSIG, libc::PR_SET_DUMPABLE]
        .into_iter()
        .map(|option| {
            when(vec![condition(
                0,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                option as u64,
            )?])
        })
        .collect::<Result<_, _>>()?;
    denied.insert(libc::SYS_prctl, prctl);
    // prlimit64 with a new limit (glibc's getrlimit passes NULL there).
    denied.insert(
        libc::SYS_prlimit64,
        vec![when(vec![condition(
            2,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::Ne,
            0,
        )?])?],
    );
    install(denied, libc::EPERM, arch)?;
    // clone3 passes its flags in memory, which seccomp cannot read: ENOSYS makes glibc fall back to
    // clone, which the filter above checks.
    install(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        libc::ENOSYS,
        arch,
    )
}

fn install(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    errno: i32,
    arch: seccompiler::TargetArch,
) -> Result<(), String> {
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        arch,
    )
    .map_err(|e| format!("seccomp: {e}"))?;
    let program: BpfProgram = filter.try_into().map_err(|e| format!("seccomp: {e:?}"))?;
    seccompiler::apply_filter_all_threads(&program).map_err(|e| format!("seccomp: {e}"))
}

/// How many times sealing a copy is tried (1 ms apart) before its EBUSY is reported.
const SEAL_ATTEMPTS: u32 = 100;

/// A file's contents, copied before the sandbox closes the way to the file, and the path that
/// reaches the copy after (`/proc/self/fd/N`, through which the loader or the plugin reads it).
/// The copy is a sealed memfd: readable by any uid (the server may no longer be the file's owner),
/// and fixed (what was copied is what loads).
pub struct Copied {
    _memfd: std::fs::File,
    pub path: CString,
}

/// Why a file could not be copied: not a regular file (a FIFO, a device...), or an I/O error.
pub enum CopyError {
    NotAFile(String),
    Io(io::Error),
}

/// Copies the regular file at `path`, at most `limit + 1` bytes of it (so that whoever reads the
/// copy sees a file over its limit and refuses it with its own message).
pub fn copy_before(path: &std::path::Path, limit: u64) -> Result<Copied, CopyError> {
    use std::io::Read as _;
    use std::os::fd::{AsRawFd as _, FromRawFd as _};
    use std::os::unix::fs::OpenOptionsExt as _;
    // O_NONBLOCK: a FIFO must not wait for a writer here.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(CopyError::Io)?;
    let kind = file.metadata().map_err(CopyError::Io)?.file_type();
    if !kind.is_file() {
        return Err(CopyError::NotAFile(format!("{kind:?}")));
    }
    // SAFETY: a NUL-terminated name and valid flags; checked.
    let fd = unsafe {
        libc::memfd_create(
            c"rp-plugin-server-file".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    if fd < 0 {
        return Err(CopyError::Io(io::Error::last_os_error()));
    }
    // SAFETY: a new fd, owned by nothing else.
    let mut memfd = unsafe { std::fs::File::from_raw_fd(fd) };
    io::copy(&mut file.take(limit.saturating_add(1)), &mut memfd).map_err(CopyError::Io)?;
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
    // F_SEAL_WRITE fails with EBUSY while a page of the copy still holds a transient reference
    // (another CPU's LRU batch, under load: seen about once in 1500 server starts); such references
    // drain within milliseconds, so it is retried, within a bound.
    let mut attempts = 0;
    // SAFETY: F_ADD_SEALS on a memfd made with MFD_ALLOW_SEALING and not mapped; checked.
    while unsafe { libc::fcntl(memfd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
        let error = io::Error::last_os_error();
        attempts += 1;
        if error.raw_os_error() != Some(libc::EBUSY) || attempts == SEAL_ATTEMPTS {
            return Err(CopyError::Io(error));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let path = CString::new(format!("/proc/self/fd/{}", memfd.as_raw_fd()))
        .expect("no NUL in a formatted number");
    Ok(Copied {
        _memfd: memfd,
        path,
    })
}
