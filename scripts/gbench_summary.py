#!/usr/bin/env python3
"""Summarises cpp-bench's google-benchmark JSON files: median and spread per benchmark, ratio to the
native call of the same op in the same binary and run, and callgrind's instructions per call.

With --check (what `make test` runs), also verifies that every expected benchmark ran and that none
reported a wrong answer; timings are printed, never asserted.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

OPS = ["GetUser", "GetUserByClaim", "GetUserGroups", "FindUsers"]


def load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        sys.exit(f"gbench_summary: cannot read {path}: {error}")


def runs(document):
    """name -> {"times": [ns per repetition], "error": message or None}."""
    result = {}
    for bench in document.get("benchmarks", []):
        if bench.get("run_type") == "aggregate":
            continue
        entry = result.setdefault(bench["run_name"], {"times": [], "error": None})
        if bench.get("error_occurred"):
            entry["error"] = bench.get("error_message", "error")
            continue
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[bench.get("time_unit", "ns")]
        entry["times"].append(bench["real_time"] * scale)
    return result


def native_name(name):
    parts = name.split("/")
    parts[2] = "native"
    return "/".join(parts)


def expected_names(path, document):
    flavour = document["context"].get("path", "?")
    names = {f"Add/cpp/{p}" for p in ("native", "native_noinline", flavour)}
    if flavour != "carchive":
        names |= {f"{op}/cpp/{p}/4" for op in OPS for p in ("native", flavour)}
    if flavour == "static":
        names |= {f"{op}/cpp/{p}/{n}" for op in ("GetUser", "FindUsers") for p in ("native", "static")
                  for n in (1000, 10000)}
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--instructions")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    instructions = {}
    if args.instructions:
        for row in load(args.instructions):
            instructions[(row["binary"], row["name"])] = row["instructions_per_call"]

    passed = failed = 0
    for path in args.files:
        document = load(path)
        binary = Path(path).stem
        results = runs(document)
        print(f"\n{binary}  ({document['context'].get('cxx', '?')}; pinning: {document['context'].get('pinning', '?')})")
        print(f"  {'benchmark':34} {'median ns':>12} {'spread ns':>10} {'x native':>9} {'instr':>6}")
        for name, entry in results.items():
            if entry["error"]:
                print(f"  {name:34} ERROR: {entry['error']}")
                continue
            times = entry["times"]
            median = statistics.median(times)
            spread = (max(times) - min(times)) / 2
            native = results.get(native_name(name), {}).get("times")
            ratio = f"{median / statistics.median(native):.2f}" if native else ""
            count = instructions.get((binary, name), "")
            print(f"  {name:34} {median:12.2f} {spread:10.2f} {ratio:>9} {count!s:>6}")
        if args.check:
            for name in sorted(expected_names(path, document)):
                entry = results.get(name)
                if entry is None or entry["error"] or not entry["times"]:
                    failed += 1
                    why = "missing" if entry is None else entry["error"] or "no time"
                    print(f"  CHECK FAILED {name}: {why}", file=sys.stderr)
                else:
                    passed += 1
    if args.check:
        print(f"\ncpp-bench: {passed} passed, {failed} failed")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
