//! The Wasm sandbox tier from Rust: the project's plugins built for `wasm32-unknown-unknown`
//! (the guest ABI of [`rp_ffi_core::wasm`]) run by wasmtime, each call with a deadline (epoch
//! interruption: a thread of this crate ticks every millisecond) and each instance with a memory
//! limit.
//!
//! - [`Plugin`]: a module file, checked (its `rp_wasm_abi` section, before anything is compiled)
//!   and compiled once;
//! - [`Instance`]: one instance of it, the calls of the guest ABI; a call that traps, runs past
//!   its deadline or allocates past the limit returns [`Error::Fault`], and the instance must not
//!   be used again (the typed wrappers make a new one);
//! - [`UserManager`] and [`HttpPlugin`]: the two kinds of module, behind safe methods.
//!
//! # Thread-safety
//! A [`Plugin`] is `Send + Sync` (wasmtime's `Module`); an [`Instance`] and the wrappers are
//! `Send` and used by one thread at a time (`&mut self`).
//!
//! # Examples
//! ```no_run
//! use rp_wasm_host::{Limits, UserManager};
//! let mut users = UserManager::demo("target/wasm32-unknown-unknown/release/rustplugin.wasm".as_ref(), Limits::default())?;
//! let index = users.get_user("4c510ada-c86b-4815-8820-42cdf82c3d51", "")?;
//! assert_eq!(users.user(index)?.username, "einstein");
//! # Ok::<(), rp_wasm_host::Error>(())
//! ```

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use rp_ffi_core::wasm::{
    RP_WASM_ABI_SECTION, RP_WASM_ABI_VERSION_MAJOR, RP_WASM_ABI_VERSION_MINOR,
};
use wasmtime::{
    Caller, Config, Engine, Linker, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, Trap,
    TypedFunc,
};

/// Everything that can go wrong, one enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The file is not a module this host runs (unreadable, too large, no `rp_wasm_abi` section,
    /// another ABI major, an older minor, another kind, missing exports); nothing of it ran.
    Refused(String),
    /// The instance trapped or was stopped, and was discarded.
    Fault { kind: FaultKind, message: String },
    /// The plugin returned a status of the C ABI (`rp_common.h`) with a message.
    Status { status: i32, message: String },
}

/// What ended an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The plugin panicked (the message is the panic's).
    Panic,
    /// `unreachable`, an access out of bounds, a stack overflow...
    Trap,
    /// An allocation would have passed the memory limit.
    OutOfMemory,
    /// The call ran past its deadline.
    Deadline,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Refused(why) => write!(f, "refused Wasm module: {why}"),
            Error::Fault { kind, message } => write!(f, "plugin fault ({kind:?}): {message}"),
            Error::Status { status, message } => write!(f, "status {status}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// The bounds of each instance and call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest module file.
    pub max_module_bytes: u64,
    /// Each instance's linear memory.
    pub memory_bytes: usize,
    /// Each call's deadline (rounded up to the epoch tick, 1 ms).
    pub timeout: Duration,
    /// How the module's compilation is bounded ([`compile_check`]).
    pub compile: compile_check::CompileCheck,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_module_bytes: 64 << 20,
            memory_bytes: 256 << 20,
            timeout: Duration::from_secs(10),
            compile: compile_check::CompileCheck::default(),
        }
    }
}

pub mod compile_check;

const TICK: Duration = Duration::from_millis(1);

/// The engine's epoch as the ticker counts it: a call's start in ticks, for the sleep import's
/// deadline, without a clock read per call (a tenth of a call into the guest).
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The configuration every engine of the project compiles with (the host's, the compile
/// checker's): epoch interruption for deadlines.
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config
}

/// The process's engine, with epoch interruption and the thread that ticks it.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = Engine::new(&engine_config()).expect("wasmtime accepts this configuration");
        let ticking = engine.clone();
        std::thread::Builder::new()
            .name("rp-wasm-epoch".into())
            .spawn(move || loop {
                std::thread::sleep(TICK);
                EPOCH.fetch_add(1, Ordering::Relaxed);
                ticking.increment_epoch();
            })
            .expect("a thread for the epoch ticks");
        engine
    })
}

/// What a module's `rp_wasm_abi` section says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub major: u32,
    pub minor: u32,
    pub kind: String,
    pub name: String,
    pub version: String,
}

/// Reads a module's `rp_wasm_abi` section without compiling or running anything, and refuses a
/// module this host does not run: one with a start function (code that would run at
/// instantiation, before the guest ABI's `rp_wasm_start`) or more than one memory.
pub fn read_info(module: &[u8]) -> Result<Info, Error> {
    let refused = |why: &str| Error::Refused(why.to_owned());
    let mut rest = module
        .strip_prefix(b"\0asm\x01\0\0\0")
        .ok_or_else(|| refused("not a Wasm module (no \\0asm version 1 header)"))?;
    let mut abi = None;
    while let Some((&id, after)) = rest.split_first() {
        let (size, after) = uleb(after).ok_or_else(|| refused("a malformed section size"))?;
        if size > after.len() {
            return Err(refused("a section's size is past the end of the file"));
        }
        let (body, after) = after.split_at(size);
        rest = after;
        match id {
            0 => {
                let (name_len, body) =
                    uleb(body).ok_or_else(|| refused("a malformed custom section"))?;
                if name_len <= body.len() && &body[..name_len] == RP_WASM_ABI_SECTION.as_bytes() {
                    abi = Some(&body[name_len..]);
                }
            }
            MEMORY_SECTION if uleb(body).is_some_and(|(count, _)| count > 1) => {
                return Err(refused("more than one memory: the guest ABI has one"));
            }
            START_SECTION => {
                return Err(refused(
                    "a start function: code that would run before rp_wasm_start, outside the \
                     guest ABI",
                ))
            }
            _ => {}
        }
    }
    let text =
        abi.ok_or_else(|| refused("no rp_wasm_abi section: not a plugin of this project"))?;
    if text.len() > MAX_QUOTE_BYTES {
        return Err(Error::Refused(format!(
            "the rp_wasm_abi section is {} bytes, over {MAX_QUOTE_BYTES}",
            text.len()
        )));
    }
    let text =
        std::str::from_utf8(text).map_err(|_| refused("the rp_wasm_abi section is not text"))?;
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    let parsed = match fields[..] {
        [version, kind, name, plugin_version] => version
            .split_once('.')
            .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)))
            .map(|(major, minor)| Info {
                major,
                minor,
                kind: kind.to_owned(),
                name: name.to_owned(),
                version: plugin_version.to_owned(),
            }),
        _ => None,
    };
    parsed.ok_or_else(|| {
        Error::Refused(format!(
            "the rp_wasm_abi section {text:?} is not \"MAJOR.MINOR KIND NAME VERSION\""
        ))
    })
}

/// The memory section's id: a vector of memory types.
pub const MEMORY_SECTION: u8 = 5;
/// The start section's id: a function run at instantiation.
pub const START_SECTION: u8 = 8;

/// What an error quotes at most of anything from a module (its messages, its ABI section).
pub const MAX_QUOTE_BYTES: usize = 1024;

/// Text from a module as an error may carry it: at most [`MAX_QUOTE_BYTES`] of it, and how much
/// was left out.
pub fn quote(text: &[u8]) -> String {
    if text.len() <= MAX_QUOTE_BYTES {
        return String::from_utf8_lossy(text).into_owned();
    }
    format!(
        "{}... ({} more bytes)",
        String::from_utf8_lossy(&text[..MAX_QUOTE_BYTES]),
        text.len() - MAX_QUOTE_BYTES
    )
}

/// Tables an instance may have (Rust guests have one, for indirect calls).
pub const MAX_TABLES: usize = 4;

/// Table elements an instance may have in all: what an eighth of its memory limit holds, at 8
/// bytes an element (a table's growth is memory the limit must count).
pub fn max_table_elements(memory_bytes: usize) -> usize {
    memory_bytes / 64
}

/// An unsigned LEB128 of at most 5 bytes, and the bytes after it.
fn uleb(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut value = 0usize;
    for (i, &byte) in bytes.iter().take(5).enumerate() {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// A checked, compiled module file.
pub struct Plugin {
    module: Module,
    info: Info,
    limits: Limits,
}

impl Plugin {
    /// Reads (a regular file of at most `limits.max_module_bytes`), checks and compiles the module
    /// at `path`, which must be of `kind` (`"http"` or `"user-manager"`) and export `exports`.
    pub fn load(
        path: &Path,
        kind: &str,
        exports: &[&str],
        limits: Limits,
    ) -> Result<Plugin, Error> {
        let refused = |why: String| Error::Refused(format!("{}: {why}", path.display()));
        let metadata = std::fs::metadata(path).map_err(|e| refused(e.to_string()))?;
        if !metadata.is_file() {
            return Err(refused("not a regular file".into()));
        }
        if metadata.len() > limits.max_module_bytes {
            return Err(refused(format!(
                "{} bytes, over the limit of {}",
                metadata.len(),
                limits.max_module_bytes
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
        let info = read_info(&bytes)?;
        // A host of minor N runs modules of minor >= N (today N is 0, which every minor passes).
        #[allow(clippy::absurd_extreme_comparisons)]
        let old_minor = info.minor < RP_WASM_ABI_VERSION_MINOR;
        if info.major != RP_WASM_ABI_VERSION_MAJOR || old_minor || info.kind != kind {
            return Err(Error::Refused(format!(
                "{} {} is a {:?} module of guest ABI {}.{}; this host runs {kind:?} modules of ABI {RP_WASM_ABI_VERSION_MAJOR}.x, x >= {RP_WASM_ABI_VERSION_MINOR}",
                info.name, info.version, info.kind, info.major, info.minor
            )));
        }
        limits.compile.check(&bytes).map_err(refused)?;
        let module =
            Module::new(engine(), &bytes).map_err(|e| refused(format!("does not compile: {e}")))?;
        for import in module.imports() {
            if import.module() != "rp_host" {
                return Err(refused(format!(
                    "imports {}.{}: a plugin may import only from rp_host",
                    import.module(),
                    import.name()
                )));
            }
        }
        for name in ["rp_wasm_start", "rp_wasm_input"].iter().chain(exports) {
            if module.get_export(name).is_none() {
                return Err(refused(format!("does not export {name}")));
            }
        }
        Ok(Plugin {
            module,
            info,
            limits,
        })
    }

    /// What the module's `rp_wasm_abi` section says.
    pub fn info(&self) -> &Info {
        &self.info
    }

    /// A new instance, prepared (`rp_wasm_start`).
    pub fn instantiate(&self) -> Result<Instance, Error> {
        let mut store = Store::new(
            engine(),
            HostState {
                // Every table and memory an instance may make, within the memory limit: one
                // memory (the guest ABI's), tables of at most MAX_TABLE_ELEMENTS in all.
                limits: StoreLimitsBuilder::new()
                    .memory_size(self.limits.memory_bytes)
                    .memories(1)
                    .tables(MAX_TABLES)
                    .table_elements(max_table_elements(self.limits.memory_bytes))
                    .instances(1)
                    .build(),
                fault: None,
                armed_at: 0,
                timeout: self.limits.timeout,
            },
        );
        store.limiter(|state| &mut state.limits);
        let mut linker = Linker::new(engine());
        linker
            .func_wrap("rp_host", "panic", host_panic)
            .and_then(|l| l.func_wrap("rp_host", "out_of_memory", host_out_of_memory))
            .and_then(|l| l.func_wrap("rp_host", "sleep_ms", host_sleep_ms))
            .expect("the host functions are defined once");
        let mut instance = Instance {
            deadline_ticks: self
                .limits
                .timeout
                .as_millis()
                .div_ceil(TICK.as_millis())
                .max(1) as u64,
            memory: None,
            input: None,
            input_address: 0,
            input_capacity: 0,
            result_area: 0,
            store,
            instance: None,
        };
        instance.arm();
        let wasm = linker
            .instantiate(&mut instance.store, &self.module)
            .map_err(|e| instance.fault(e))?;
        instance.memory = Some(
            wasm.get_memory(&mut instance.store, "memory")
                .ok_or_else(|| Error::Refused(format!("{} exports no memory", self.info.name)))?,
        );
        instance.input = Some(instance.typed(&wasm, "rp_wasm_input")?);
        let start: TypedFunc<(), i32> = instance.typed(&wasm, "rp_wasm_start")?;
        instance.instance = Some(wasm);
        instance.arm();
        instance.result_area = start
            .call(&mut instance.store, ())
            .map_err(|e| instance.fault(e))? as u32;
        Ok(instance)
    }
}

struct HostState {
    limits: StoreLimits,
    fault: Option<(FaultKind, String)>,
    /// The call's start ([`EPOCH`]) and its time limit.
    armed_at: u64,
    timeout: Duration,
}

fn guest_memory<'a>(caller: &'a mut Caller<'_, HostState>) -> Option<&'a [u8]> {
    let memory = caller.get_export("memory")?.into_memory()?;
    Some(memory.data(caller))
}

fn host_panic(mut caller: Caller<'_, HostState>, ptr: i32, len: i32) {
    let message = guest_memory(&mut caller)
        .and_then(|memory| {
            memory
                .get(ptr as u32 as usize..)?
                .get(..(len as u32 as usize).min(4096))
        })
        .map_or_else(
            || "a panic".to_owned(),
            |bytes| String::from_utf8_lossy(bytes).into_owned(),
        );
    caller.data_mut().fault = Some((FaultKind::Panic, message));
}

fn host_out_of_memory(mut caller: Caller<'_, HostState>, size: i32) {
    let in_use = guest_memory(&mut caller).map_or(0, <[u8]>::len);
    caller.data_mut().fault = Some((
        FaultKind::OutOfMemory,
        format!(
            "an allocation of {} bytes failed with {in_use} bytes in use",
            size as u32
        ),
    ));
}

/// Sleeps, at most until the call's deadline; past it, the call ends with the deadline fault.
fn host_sleep_ms(mut caller: Caller<'_, HostState>, ms: i32) -> wasmtime::Result<()> {
    let wanted = Duration::from_millis(u64::from(ms as u32));
    let state = caller.data();
    let elapsed = EPOCH.load(Ordering::Relaxed).saturating_sub(state.armed_at);
    let left = state
        .timeout
        .saturating_sub(TICK.saturating_mul(elapsed.try_into().unwrap_or(u32::MAX)));
    std::thread::sleep(wanted.min(left));
    if wanted > left {
        caller.data_mut().fault =
            Some((FaultKind::Deadline, "the call ran past its deadline".into()));
        return Err(wasmtime::Error::msg("deadline"));
    }
    Ok(())
}

/// One instance of a [`Plugin`].
pub struct Instance {
    store: Store<HostState>,
    instance: Option<wasmtime::Instance>,
    memory: Option<Memory>,
    input: Option<TypedFunc<i32, i32>>,
    input_address: u32,
    input_capacity: u32,
    result_area: u32,
    /// The time limit of a call, in epoch ticks.
    deadline_ticks: u64,
}

impl Instance {
    fn typed<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
        &mut self,
        instance: &wasmtime::Instance,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        instance
            .get_typed_func(&mut self.store, name)
            .map_err(|e| Error::Refused(format!("the export {name}: {e}")))
    }

    /// The typed export `name` (the module was checked to export it; the signature is checked here).
    pub fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
        &mut self,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let instance = self.instance.expect("set at instantiation");
        self.typed(&instance, name)
    }

    /// Starts a call's deadline.
    fn arm(&mut self) {
        self.store.set_epoch_deadline(self.deadline_ticks);
        self.store.data_mut().armed_at = EPOCH.load(Ordering::Relaxed);
    }

    /// The fault a failed call is.
    fn fault(&mut self, error: wasmtime::Error) -> Error {
        if let Some((kind, message)) = self.store.data_mut().fault.take() {
            return Error::Fault { kind, message };
        }
        let (kind, message) = match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => (
                FaultKind::Deadline,
                "the call ran past its deadline".to_owned(),
            ),
            Some(trap) => (FaultKind::Trap, trap.to_string()),
            None => (FaultKind::Trap, error.to_string()),
        };
        Error::Fault { kind, message }
    }

    /// Writes `args` end to end into the input buffer.
    pub fn input(&mut self, args: &[&[u8]]) -> Result<(), Error> {
        let total: usize = args.iter().map(|a| a.len()).sum();
        let total = u32::try_from(total).map_err(|_| Error::Status {
            status: rp_ffi_core::status::RP_TOO_LARGE,
            message: format!("arguments of {total} bytes are over what a call can take"),
        })?;
        if total > self.input_capacity {
            let input = self.input.clone().expect("set at instantiation");
            self.arm();
            let address = input
                .call(&mut self.store, total as i32)
                .map_err(|e| self.fault(e))?;
            self.input_address = address as u32;
            self.input_capacity = total;
        }
        let memory = self
            .memory
            .expect("checked at instantiation")
            .data_mut(&mut self.store);
        // The address is the guest's: checked against its memory before anything is written.
        let start = self.input_address as usize;
        let Some(mut buffer) = memory.get_mut(start..start + total as usize) else {
            return Err(Error::Fault {
                kind: FaultKind::Trap,
                message: format!(
                    "the input buffer at {start} of {total} bytes is outside the instance's memory"
                ),
            });
        };
        for arg in args {
            let (into, rest) = buffer.split_at_mut(arg.len());
            into.copy_from_slice(arg);
            buffer = rest;
        }
        Ok(())
    }

    /// Calls `f`, within the deadline: its value, or the status it returned, or the fault.
    pub fn call<P: wasmtime::WasmParams>(
        &mut self,
        f: &TypedFunc<P, i32>,
        params: P,
    ) -> Result<u32, Error> {
        self.arm();
        let value = f.call(&mut self.store, params).map_err(|e| self.fault(e))?;
        if value < 0 {
            return Err(Error::Status {
                status: -value,
                message: quote(self.result()),
            });
        }
        Ok(value as u32)
    }

    /// Calls `f` and returns its raw result (for exports that return no status: `Add`).
    pub fn call_raw<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
        &mut self,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error> {
        self.arm();
        f.call(&mut self.store, params).map_err(|e| self.fault(e))
    }

    /// The last call's result, a view of the instance's memory.
    pub fn result(&self) -> &[u8] {
        let memory = self.memory.expect("checked at load").data(&self.store);
        let word = |at: usize| {
            memory.get(at..at + 4).map_or(0, |w| {
                u32::from_le_bytes(w.try_into().expect("4 bytes")) as usize
            })
        };
        let area = self.result_area as usize;
        let (address, len) = (word(area), word(area + 4));
        memory
            .get(address..address.saturating_add(len))
            .unwrap_or_default()
    }
}

mod kinds;
pub use kinds::{HttpPlugin, HttpResponse, User, UserManager};
