//! The command line: `rp-bindgen [--check] BINDING.toml...`.

use std::process::ExitCode;

const USAGE: &str = "usage: rp-bindgen [--check] BINDING.toml...

Writes every binding a definition describes: BINDING.toml names the WIT file and, for each back
end (rust, rust_host, go), the file to write and the names WIT cannot say; the C headers then
come from the generated Rust through cbindgen (`make header`; `make generate` runs both). See
tools/rp-bindgen/README.md.

  --check   write nothing; list the generated files that differ from what the generator
            writes now, and exit 1 if there are any";

fn main() -> ExitCode {
    let mut check = false;
    let mut configs = Vec::new();
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("rp-bindgen: unknown flag {flag}\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => configs.push(argument),
        }
    }
    if configs.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut failed = false;
    for config in &configs {
        let files = match rp_bindgen::generate(config.as_ref()) {
            Ok(files) => files,
            Err(error) => {
                eprintln!("rp-bindgen: {error:#}");
                return ExitCode::FAILURE;
            }
        };
        if check {
            for path in rp_bindgen::stale(&files) {
                eprintln!(
                    "rp-bindgen: {} is stale: run `make generate`",
                    path.display()
                );
                failed = true;
            }
            continue;
        }
        for file in &files {
            let parent = file.path.parent().filter(|p| !p.as_os_str().is_empty());
            if let Err(error) = parent.map_or(Ok(()), std::fs::create_dir_all) {
                eprintln!("rp-bindgen: cannot create {}: {error}", file.path.display());
                return ExitCode::FAILURE;
            }
            if let Err(error) = std::fs::write(&file.path, &file.text) {
                eprintln!("rp-bindgen: cannot write {}: {error}", file.path.display());
                return ExitCode::FAILURE;
            }
            println!("rp-bindgen: wrote {}", file.path.display());
        }
    }
    if !check {
        println!("rp-bindgen: C headers come from the generated Rust through cbindgen: run `make header` (`make generate` runs both)");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
