//! Compilation is the one step of a module that no instance limit covers: Cranelift compiles a
//! function to its end, and a module of a few megabytes can take a minute and gigabytes. So a
//! module compiles first in a child process, `rp-wasm-check` (this crate's binary, found beside
//! the host's executable or one folder up, as `cargo` lays out tests and benches), killed at
//! [`CompileCheck::timeout`] and limited to [`CompileCheck::memory_bytes`] of address space. Only
//! a module that compiled there within both compiles in the host; nothing the child produces is
//! used, so it never needs to be trusted.

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The checker's file name.
pub const CHECKER: &str = "rp-wasm-check";

/// How a module's compilation is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileCheck {
    /// Compile in a child first (the default); `false` compiles in the host, unbounded.
    pub enabled: bool,
    /// Time the child gets (10 s).
    pub timeout: Duration,
    /// Address space the child may add to what it maps at start (2 GiB).
    pub memory_bytes: u64,
}

impl Default for CompileCheck {
    fn default() -> CompileCheck {
        CompileCheck {
            enabled: true,
            timeout: Duration::from_secs(10),
            memory_bytes: 2 << 30,
        }
    }
}

/// The exit status of a checker whose module does not compile (standard error says why).
pub const NOT_COMPILED: i32 = 1;

impl CompileCheck {
    /// Compiles `module` in a child within the bounds: `Ok` when it compiled there, else why not.
    pub fn check(&self, module: &[u8]) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let checker = find_checker()?;
        let mut command = Command::new(&checker);
        command
            .arg(self.memory_bytes.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: prctl between fork and exec: async-signal-safe. The checker dies with its host.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            })
        };
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", checker.display()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let module = module.to_vec();
        // A thread writes the module, so that a checker that stops reading cannot block the host.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&module);
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let _ = writer.join();
                    return Err(format!(
                        "it did not compile within {:?} (a compile bomb?); the compiler was stopped",
                        self.timeout
                    ));
                }
                Err(e) => return Err(format!("cannot wait for {}: {e}", checker.display())),
            }
        };
        let _ = writer.join();
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read as _;
            let _ = (&mut pipe)
                .take(crate::MAX_QUOTE_BYTES as u64)
                .read_to_string(&mut stderr);
        }
        match status.code() {
            Some(0) => Ok(()),
            Some(NOT_COMPILED) => Err(format!("does not compile: {stderr}")),
            _ => Err(format!(
                "compiling it took more than {} bytes of memory ({status}); the compiler was stopped",
                self.memory_bytes
            )),
        }
    }
}

/// `rp-wasm-check` beside the current executable, or one folder up (`target/release/deps/` tests).
fn find_checker() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find {CHECKER}: {e}"))?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(CHECKER))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            format!(
                "cannot check its compilation: no {CHECKER} beside {} (build it with `cargo build \
                 --release -p rp-wasm-host`, or set Limits::compile.enabled to false to compile \
                 unbounded)",
                exe.display()
            )
        })
}
