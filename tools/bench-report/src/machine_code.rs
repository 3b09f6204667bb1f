//! What cpp-bench's timed `Add` loops compile to, checked on their machine code (objdump): the
//! static binary calls `Add`, and with cross-language LTO no call is left between the loop's
//! `StartKeepRunning` and `FinishKeepRunning`, so the LTO row measures inlined Rust, not a call.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The function whose body is the timed `Add` loop: google benchmark's `Run` of the lambda that
/// times `AddOp<RustAdd>`.
fn is_timed_add_loop(header: &str) -> bool {
    header.contains("<benchmark::internal::LambdaBenchmark<")
        && header.contains("AddOp<(anonymous namespace)::RustAdd>")
        && header.ends_with("::Run(benchmark::State&)>:")
}

/// The timed `Add` loop's disassembly in objdump's output (`objdump -d -C`): its header line and
/// instructions, up to the blank line that ends the function.
pub fn timed_add_loop(disassembly: &str) -> Option<String> {
    let mut lines = disassembly.lines();
    lines.find(|line| is_timed_add_loop(line))?;
    let mut body = String::from("<Run of AddOp<RustAdd>>:\n");
    for line in lines.take_while(|line| !line.is_empty()) {
        body.push_str(line);
        body.push('\n');
    }
    Some(body)
}

/// The instructions strictly between the calls to `StartKeepRunning` and `FinishKeepRunning`.
fn timed_part(function: &str) -> Option<Vec<&str>> {
    let lines: Vec<&str> = function.lines().collect();
    let start = lines.iter().position(|l| l.contains("StartKeepRunning"))?;
    let finish = lines.iter().position(|l| l.contains("FinishKeepRunning"))?;
    (start < finish).then(|| lines[start + 1..finish].to_vec())
}

/// Checks the static and LTO loops: the static one calls `Add`; the LTO one calls nothing in its
/// timed part (and has one).
pub fn check_add_loops(static_loop: &str, lto_loop: &str) -> Result<(), String> {
    if !static_loop
        .lines()
        .any(|l| l.contains("call") && l.contains("<Add>"))
    {
        return Err(format!(
            "the static Add loop does not call Add:\n{static_loop}"
        ));
    }
    match timed_part(lto_loop) {
        Some(part) if !part.is_empty() && !part.iter().any(|l| l.contains("call")) => Ok(()),
        Some(part) if !part.is_empty() => Err(format!(
            "the LTO Add loop still calls a function:\n{lto_loop}"
        )),
        _ => Err(format!(
            "the LTO Add loop has no timed part between StartKeepRunning and FinishKeepRunning:\n{lto_loop}"
        )),
    }
}

/// Disassembles `build/bench_FLAVOUR` for each flavour, writes each timed `Add` loop to `out`,
/// and checks the static and LTO ones when both were built.
pub fn check(build: &Path, flavours: &[&str], out: &Path) -> Result<String, String> {
    let mut text = String::new();
    let mut loops = Vec::new();
    for flavour in flavours {
        let binary = build.join(format!("bench_{flavour}"));
        let output = Command::new("objdump")
            .args(["-d", "--no-show-raw-insn", "-C"])
            .arg(&binary)
            .output()
            .map_err(|e| format!("objdump {}: {e}", binary.display()))?;
        if !output.status.success() {
            return Err(format!(
                "objdump {}: {}",
                binary.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let disassembly = String::from_utf8_lossy(&output.stdout);
        let function = timed_add_loop(&disassembly).ok_or_else(|| {
            format!(
                "{}: no timed Add loop in its machine code",
                binary.display()
            )
        })?;
        let _ = writeln!(
            text,
            "== bench_{flavour}: the timed loop of Add/cpp/{flavour}\n{function}"
        );
        loops.push((*flavour, function));
    }
    std::fs::write(out, &text).map_err(|e| format!("{}: {e}", out.display()))?;
    let find = |name: &str| {
        loops
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, l)| l.as_str())
    };
    match (find("static"), find("lto")) {
        (Some(static_loop), Some(lto_loop)) => {
            check_add_loops(static_loop, lto_loop)?;
            Ok(format!(
                "LTO inlined Add: no call in its timed loop (machine code in {})",
                out.display()
            ))
        }
        _ => Ok(format!("the timed Add loops in {}", out.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATIC: &str = "\
0000000000041230 <benchmark::internal::LambdaBenchmark<void (*)(benchmark::State&, (anonymous namespace)::AddOp<(anonymous namespace)::RustAdd>)>::Run(benchmark::State&)>:
   41230:	push   %rbx
   41240:	call   40f00 <benchmark::State::StartKeepRunning()>
   41250:	call   42000 <Add>
   41260:	call   40f80 <benchmark::State::FinishKeepRunning()>
   41270:	ret

0000000000041280 <other>:
   41280:	ret
";

    fn lto(timed: &str) -> String {
        format!(
            "0000000000041230 <benchmark::internal::LambdaBenchmark<void (*)(benchmark::State&, (anonymous namespace)::AddOp<(anonymous namespace)::RustAdd>)>::Run(benchmark::State&)>:\n   41240:\tcall   40f00 <benchmark::State::StartKeepRunning()>\n{timed}   41260:\tcall   40f80 <benchmark::State::FinishKeepRunning()>\n\n"
        )
    }

    #[test]
    fn the_timed_loop_is_found_and_ends_with_its_function() {
        let function = timed_add_loop(STATIC).unwrap();
        assert!(function.contains("<Add>"));
        assert!(!function.contains("<other>"));
        assert!(timed_add_loop("0000 <main>:\n  ret\n").is_none());
    }

    #[test]
    fn an_inlined_lto_loop_passes_and_a_call_fails() {
        let static_loop = timed_add_loop(STATIC).unwrap();
        let inlined = timed_add_loop(&lto("   41250:\tadd    %rax,%rcx\n")).unwrap();
        assert_eq!(check_add_loops(&static_loop, &inlined), Ok(()));

        let called = timed_add_loop(&lto("   41250:\tcall   42000 <Add>\n")).unwrap();
        let error = check_add_loops(&static_loop, &called).unwrap_err();
        assert!(error.contains("still calls a function"), "{error}");

        let empty = timed_add_loop(&lto("")).unwrap();
        assert!(check_add_loops(&static_loop, &empty)
            .unwrap_err()
            .contains("no timed part"));
        assert!(check_add_loops(&inlined, &inlined)
            .unwrap_err()
            .contains("does not call Add"));
    }
}
