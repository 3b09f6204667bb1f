//! A definition's binding file (`<name>.toml` beside `<name>.wit`): where each back end writes, and
//! the names a WIT file cannot say (the C prefix, the Rust types implementing the traits, the Go
//! types records are bound to).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

/// The binding file. Paths in it are relative to its own directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The WIT file.
    pub wit: PathBuf,
    pub c: C,
    pub rust: Option<Rust>,
    pub go: Option<Go>,
    pub rust_host: Option<RustHost>,
    /// Where the file was read from (not in the file).
    #[serde(skip)]
    pub dir: PathBuf,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct C {
    /// Prefix of every C name: `rp_` makes `rp_user_manager_get_user`.
    pub prefix: String,
    /// C names of world functions that keep another name (`add = "Add"`).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

/// The Rust C-ABI layer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rust {
    /// The generated C-ABI module.
    pub out: PathBuf,
    /// The generated records module (compiled for every target; the C ABI is not on wasm32):
    /// required when the definition has records.
    pub records: Option<PathBuf>,
    /// The error type of every fallible function: `FfiError + From<ArgError> + From<BufferTooSmall>`.
    pub error: String,
    /// The type implementing the world's functions.
    pub world: Option<String>,
    /// World functions of integers exported without the panic guard: a function with a landing pad
    /// cannot be inlined into a C or C++ caller by cross-language LTO (their personality functions
    /// differ), so one that cannot panic may opt out; if it panics, the process aborts.
    #[serde(default)]
    pub unguarded: Vec<String>,
    /// The type implementing each resource, by WIT name.
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
}

/// The Rust host API over a plugin loaded at run time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RustHost {
    /// The generated module, in a crate with the modules `loader` and `sys` (see rust-host/rp-host).
    pub out: PathBuf,
}

/// The Go binding through cgo.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Go {
    /// The generated file.
    pub out: PathBuf,
    pub package: String,
    /// `-I` of the header, relative to the generated file's directory.
    pub include_dir: String,
    /// The header to include.
    pub header: String,
    /// Go imports the bound types need (`"rustplugin/go-interop/usermanager"`).
    #[serde(default)]
    pub imports: Vec<String>,
    /// The error returned for a status: a Go type with fields `Status int` and `Message string`.
    pub error: String,
    /// The error of a call on a closed handle (matched with `errors.Is`).
    pub closed: String,
    /// The error of a view that did not come from a handle.
    pub invalid_argument: String,
    /// Records bound to existing Go types, by WIT name.
    #[serde(default)]
    pub records: BTreeMap<String, GoRecord>,
}

/// A WIT record bound to an existing Go struct.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoRecord {
    /// The Go type (`usermanager.User`).
    #[serde(rename = "type")]
    pub ty: String,
    /// Go field paths of WIT fields whose Go name is not the field's name in Go style
    /// (`opaque-id = "ID.OpaqueID"`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

impl Config {
    pub fn read(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .with_context(|| format!("{}: invalid binding file", path.display()))?;
        config.dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// A path of the file, from the current directory.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        self.dir.join(relative)
    }
}
