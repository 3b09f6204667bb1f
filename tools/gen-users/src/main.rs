//! `gen-users`: writes a reva JSON user file of N deterministic users (see the `gen_users` library).

use std::io::{BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "\
usage: gen-users COUNT [--seed N] [--output FILE] [--keys FILE]

Writes COUNT reva users (at least 4; the four demo users sit in the middle; 4 is the demo data) as JSON.
  --seed N       seed of the generator (default 1); the same COUNT and seed give the same bytes
  --output FILE  write to FILE instead of standard output
  --keys FILE    also write the benchmarks' key schedule of these users to FILE: 1024 lines of
                 opaque id, idp, mail and FindUsers query (the opaque id in upper case), tab-separated";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen-users: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut count = None;
    let mut seed = 1u64;
    let mut output = None;
    let mut keys = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--seed" => {
                let value = args.next().ok_or("--seed needs a value")?;
                seed = value
                    .parse()
                    .map_err(|_| format!("--seed {value:?} is not a number"))?;
            }
            "--output" => output = Some(args.next().ok_or("--output needs a file name")?),
            "--keys" => keys = Some(args.next().ok_or("--keys needs a file name")?),
            _ if count.is_none() => {
                count = Some(
                    arg.parse::<usize>()
                        .map_err(|_| format!("COUNT {arg:?} is not a number"))?,
                );
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let count = count.ok_or("COUNT is missing")?;
    let users = gen_users::generate_users(count, seed).map_err(|e| e.to_string())?;
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = BufWriter::new(out);
        gen_users::write_users_json(&users, &mut out)?;
        out.flush()
    };
    match &output {
        Some(path) => std::fs::File::create(path).and_then(|mut f| write(&mut f)),
        None => write(&mut std::io::stdout().lock()),
    }
    .map_err(|e| {
        format!(
            "cannot write {}: {e}",
            output.as_deref().unwrap_or("standard output")
        )
    })?;
    if let Some(path) = keys {
        std::fs::File::create(&path)
            .and_then(|f| {
                let mut out = BufWriter::new(f);
                gen_users::write_keys(&gen_users::draw_keys(&users), &mut out)?;
                out.flush()
            })
            .map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(())
}
