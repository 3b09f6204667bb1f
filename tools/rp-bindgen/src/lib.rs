//! `rp-bindgen`: one interface definition (a WIT file), every caller's binding.
//!
//! A definition is a WIT file and its binding file (`<name>.toml`, see [`config`]). From them the
//! generator writes, each a back end:
//! - [`rust`]: the plugin's C-ABI layer (the traits it implements, the exports, the descriptor),
//!   from which cbindgen writes the C header;
//! - [`rust_host`]: the Rust host API over the plugin loaded at run time;
//! - [`go`]: the Go binding through cgo.
//!
//! Generated files start with a `Code generated ... DO NOT EDIT.` line, are committed, and are
//! checked for drift by this crate's tests (`make test`); `make generate` rewrites them.

pub mod config;
pub mod go;
pub mod model;
pub mod names;
mod read;
pub mod rust;
pub mod rust_host;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};

/// One generated file.
#[derive(Debug)]
pub struct Generated {
    pub path: PathBuf,
    pub text: String,
}

/// Every file the binding file at `config` describes.
pub fn generate(config: &Path) -> anyhow::Result<Vec<Generated>> {
    generate_some(config, true)
}

/// The files the binding file at `config` describes, without the Go binding unless `go` (gofmt,
/// which formats it, comes with Go, an optional part of the project).
pub fn generate_some(config: &Path, go: bool) -> anyhow::Result<Vec<Generated>> {
    let config = config::Config::read(config)?;
    let wit = config.resolve(&config.wit);
    let shown = normalized(&wit).to_string_lossy().into_owned();
    let definition = model::read(&wit, &shown)?;
    let mut files = Vec::new();
    if let Some(rust) = &config.rust {
        for mut file in rust::generate(&definition, &config, rust)? {
            file.text = format_with(
                &["rustfmt", "--edition", "2021", "--emit", "stdout"],
                &file.text,
            )?;
            files.push(file);
        }
    }
    if let Some(host) = &config.rust_host {
        let mut file = rust_host::generate(&definition, &config, host)?;
        file.text = format_with(
            &["rustfmt", "--edition", "2021", "--emit", "stdout"],
            &file.text,
        )?;
        files.push(file);
    }
    if let Some(go) = config.go.as_ref().filter(|_| go) {
        let mut file = go::generate(&definition, &config, go)?;
        file.text = format_with(&["gofmt"], &file.text)?;
        files.push(file);
    }
    for file in &mut files {
        file.path = normalized(&file.path);
    }
    Ok(files)
}

/// `path` without `.` and `dir/..` components (`wit/../src/ffi.rs` is `src/ffi.rs`).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `text` through a formatter reading standard input (rustfmt, gofmt).
fn format_with(command: &[&str], text: &str) -> anyhow::Result<String> {
    let mut child = Command::new(command[0])
        .args(&command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {} (make deps installs it)", command[0]))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output()?;
    writer.join().expect("the writer does not panic")?;
    if !output.status.success() {
        bail!(
            "{} refused the generated code (a bug of rp-bindgen):\n{}",
            command[0],
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The generated files that differ from what is on disk.
pub fn stale(files: &[Generated]) -> Vec<&Path> {
    files
        .iter()
        .filter(|f| std::fs::read_to_string(&f.path).ok().as_deref() != Some(f.text.as_str()))
        .map(|f| f.path.as_path())
        .collect()
}
