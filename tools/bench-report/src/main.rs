//! bench-report: `bench-report report [RESULTS_DIR]` writes the joint report and prints the summary;
//! `bench-report flamegraph TITLE PERF_SCRIPT OUT.svg` draws one flame graph.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: bench-report report [RESULTS_DIR]            (default: results)
       bench-report flamegraph TITLE PERF_SCRIPT OUT.svg";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["report"] | ["report", _] => {
            let dir = PathBuf::from(args.get(1).copied().unwrap_or("results"));
            let results = bench_report::gather(&dir);
            if results.records.is_empty() {
                eprintln!(
                    "bench-report: no results under {}: run `make bench` first",
                    dir.display()
                );
                for problem in &results.problems {
                    eprintln!("  {problem}");
                }
                return ExitCode::FAILURE;
            }
            match bench_report::report::write(&results, &dir) {
                Ok(_) => {
                    print!("{}", bench_report::report::summary(&results));
                    println!(
                        "\nreport: {0}/report.md, {0}/report.html, {0}/results.json",
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!(
                        "bench-report: cannot write the report into {}: {e}",
                        dir.display()
                    );
                    ExitCode::FAILURE
                }
            }
        }
        ["flamegraph", title, perf_script, out] => {
            let result = std::fs::File::open(perf_script).and_then(|input| {
                let output = std::io::BufWriter::new(std::fs::File::create(out)?);
                bench_report::flamegraph::draw(input, title, output)
            });
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bench-report: flame graph {out} from {perf_script}: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["-h"] | ["--help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
