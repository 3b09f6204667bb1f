#!/usr/bin/env python3
"""Collects criterion's estimates (target/criterion/*/*/new/) into one JSON file and prints the table:
median and median absolute deviation per benchmark, and the ratio to the native path of the same op.

usage: criterion_summary.py CRITERION_DIR OUTPUT.json
"""
import json
import sys
from pathlib import Path


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, output = Path(sys.argv[1]), Path(sys.argv[2])
    records = []
    for benchmark_file in sorted(root.glob("*/**/new/benchmark.json")):
        try:
            benchmark = json.loads(benchmark_file.read_text())
            estimates = json.loads((benchmark_file.parent / "estimates.json").read_text())
        except (OSError, ValueError) as error:
            print(f"criterion_summary: skipping {benchmark_file.parent}: {error}", file=sys.stderr)
            continue
        records.append({
            "name": benchmark["full_id"],
            "median_ns": estimates["median"]["point_estimate"],
            "median_ci_ns": [estimates["median"]["confidence_interval"]["lower_bound"],
                             estimates["median"]["confidence_interval"]["upper_bound"]],
            "median_abs_dev_ns": estimates["median_abs_dev"]["point_estimate"],
            "mean_ns": estimates["mean"]["point_estimate"],
        })
    if not records:
        sys.exit(f"criterion_summary: no criterion results under {root}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"records": records}, indent=2) + "\n")

    medians = {r["name"]: r["median_ns"] for r in records}
    order = ["Add", "GetUser", "GetUserByClaim", "GetUserGroups", "FindUsers"]
    records.sort(key=lambda r: (order.index(r["name"].split("/")[0]) if r["name"].split("/")[0] in order else 99, r["name"]))
    print(f"{'benchmark (rust caller)':28} {'median ns':>10} {'MAD ns':>8} {'x native':>9}")
    for r in records:
        parts = r["name"].split("/")
        native = medians.get("/".join(parts[:2] + ["native"] + parts[3:]))
        ratio = f"{r['median_ns'] / native:.2f}" if native else ""
        print(f"{r['name']:28} {r['median_ns']:10.2f} {r['median_abs_dev_ns']:8.2f} {ratio:>9}")
    print(f"\n{len(records)} benchmarks, collected in {output}")


if __name__ == "__main__":
    main()
