//! bench-report: the benchmarks' one statistics pipeline. See USAGE.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: bench-report report [RESULTS_DIR]
           parse the harnesses' raw results under RESULTS_DIR (default: results), compute the
           statistics, write results.json, report.md, report.html and charts/, print a summary
       bench-report compare [--threshold PERCENT] OLD NEW
           compare two runs (results folders or results.json files) row by row: medians, the
           change with its 95% interval, Mann-Whitney p; exit 1 when a row is significantly
           slower and its change's interval lies beyond +PERCENT (default 5)
       bench-report run RESULTS_DIR HARNESS -- COMMAND [ARGS...]
           run one harness, recording the machine (RESULTS_DIR/machine.json) and its load
           before and after (RESULTS_DIR/runs/HARNESS.json); exits with the harness's status
       bench-report flamegraph TITLE PERF_SCRIPT OUT.svg
           draw one flame graph from `perf script` output
       bench-report instructions BASELINE.json CALLGRIND_DIR
           the instruction-count gate: hold cpp-bench's callgrind counts against the baseline;
           exit 1 when one grew past its threshold (each row printed with its old and new count).
           With UPDATE_INSTRUCTIONS=1, write the counts as the new baseline instead
       bench-report executable < CARGO_JSON
           the last executable cargo built, from its --message-format=json output on stdin
       bench-report machine-code BUILD_DIR OUT.txt FLAVOUR...
           write the timed Add loop of each cpp-bench binary BUILD_DIR/bench_FLAVOUR (objdump)
           to OUT.txt; exit 1 unless the static one calls Add and the LTO one calls nothing";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["report"] => report(Path::new("results")),
        ["report", dir] => report(Path::new(dir)),
        ["compare", "--threshold", percent, old, new] => match percent.parse::<f64>() {
            Ok(p) if p >= 0.0 => compare(old, new, p / 100.0),
            _ => usage_error(&format!("--threshold wants a percentage, not {percent:?}")),
        },
        ["compare", old, new] => compare(old, new, 0.05),
        ["run", dir, harness, "--", command @ ..] if !command.is_empty() => {
            let command: Vec<String> = command.iter().map(|c| c.to_string()).collect();
            match bench_report::run::run(&PathBuf::from(dir), harness, &command) {
                Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
                Err(e) => {
                    eprintln!("bench-report: run {harness}: {e}");
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
        ["instructions", baseline, dir] => instructions(Path::new(baseline), Path::new(dir)),
        ["executable"] => {
            let stdin = std::io::read_to_string(std::io::stdin()).unwrap_or_default();
            match bench_report::run::last_executable(&stdin) {
                Some(path) => {
                    println!("{path}");
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!("bench-report: no executable in cargo's messages on stdin");
                    ExitCode::FAILURE
                }
            }
        }
        ["machine-code", build, out, flavours @ ..] if !flavours.is_empty() => {
            match bench_report::machine_code::check(Path::new(build), flavours, Path::new(out)) {
                Ok(said) => {
                    println!("cpp-bench: {said}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cpp-bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["-h"] | ["--help"] | ["help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage_error("unknown command"),
    }
}

fn usage_error(why: &str) -> ExitCode {
    eprintln!("bench-report: {why}\n{USAGE}");
    ExitCode::from(2)
}

fn report(dir: &Path) -> ExitCode {
    let results = bench_report::gather(dir);
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
    match bench_report::report::write(&results, dir) {
        Ok(_) => {
            print!("{}", bench_report::report::summary(&results));
            println!(
                "\nreport: {0}/report.html, {0}/report.md, {0}/results.json",
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

fn compare(old: &str, new: &str, threshold: f64) -> ExitCode {
    let load = |path: &str| bench_report::compare::load(Path::new(path));
    let (old, new) = match (load(old), load(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("bench-report compare: {e}");
            return ExitCode::from(2);
        }
    };
    let comparison = bench_report::compare::compare(&old, &new);
    print!("{}", bench_report::compare::render(&comparison, threshold));
    if comparison.regressions(threshold).is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn instructions(baseline_path: &Path, dir: &Path) -> ExitCode {
    use bench_report::gate;
    let now = match gate::counts(dir) {
        Ok(now) => now,
        Err(e) => {
            eprintln!("bench-report: instructions: {e}");
            return ExitCode::FAILURE;
        }
    };
    let machine = bench_report::run::machine();
    let toolchain = [("rustc", machine.rustc), ("cc", machine.cc)]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect();
    let read = std::fs::read_to_string(baseline_path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str::<gate::Baseline>(&text).map_err(|e| e.to_string()));
    if std::env::var_os("UPDATE_INSTRUCTIONS").is_some() {
        // A new baseline keeps the old one's thresholds.
        let (threshold_percent, max_growth_instructions) = read.as_ref().map_or((1.0, 8.0), |b| {
            (b.threshold_percent, b.max_growth_instructions)
        });
        let baseline = gate::Baseline {
            toolchain,
            threshold_percent,
            max_growth_instructions,
            counts: now,
        };
        let text = serde_json::to_string_pretty(&baseline).expect("a baseline serializes") + "\n";
        return match std::fs::write(baseline_path, text) {
            Ok(()) => {
                println!(
                    "bench-report: wrote {} ({} rows)",
                    baseline_path.display(),
                    baseline.counts.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "bench-report: cannot write {}: {e}",
                    baseline_path.display()
                );
                ExitCode::FAILURE
            }
        };
    }
    let baseline = match read {
        Ok(baseline) => baseline,
        Err(e) => {
            eprintln!(
                "bench-report: instructions: {}: {e} (make instructions writes it)",
                baseline_path.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let verdict = gate::check(&baseline, &now, &toolchain);
    print!("{}", verdict.text);
    if verdict.passed {
        println!(
            "instruction gate: {} rows within +{}% and +{} instructions of {}",
            baseline.counts.len(),
            baseline.threshold_percent,
            baseline.max_growth_instructions,
            baseline_path.display()
        );
        ExitCode::SUCCESS
    } else {
        eprintln!("instruction gate: FAILED: a row above grew past +{}% or +{} instructions of {} (a deliberate change: make instructions takes a new baseline)", baseline.threshold_percent, baseline.max_growth_instructions, baseline_path.display());
        ExitCode::FAILURE
    }
}
