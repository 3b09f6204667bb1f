// Command benchsummary prints the table of a `go test -bench -count N` output file: the median and
// spread of each benchmark, its ratio to the native path of the same operation, and for the Rust
// paths, the split between the cgo call (the "cgo-view" benchmark: the answer stays a view) and the
// copying of the answer into Go values ("cgo" minus "cgo-view").
//
// usage: benchsummary results/go/bench.txt
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchsummary GO-TEST-BENCH-OUTPUT")
		os.Exit(2)
	}
	file, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchsummary: %v\n", err)
		os.Exit(1)
	}
	defer file.Close()

	times := map[string][]float64{} // "GetUser/cgo" -> ns/op of each run
	var order []string
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		// BenchmarkGetUser/cgo-8   1036069   223.9 ns/op   336 B/op   3 allocs/op
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || fields[3] != "ns/op" {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if dash := strings.LastIndex(name, "-"); dash > strings.LastIndex(name, "/") {
			if _, err := strconv.Atoi(name[dash+1:]); err == nil {
				name = name[:dash] // the GOMAXPROCS suffix
			}
		}
		ns, err := strconv.ParseFloat(fields[2], 64)
		if err != nil {
			continue
		}
		if _, seen := times[name]; !seen {
			order = append(order, name)
		}
		times[name] = append(times[name], ns)
	}
	if len(order) == 0 {
		fmt.Fprintf(os.Stderr, "benchsummary: no benchmark lines in %s\n", os.Args[1])
		os.Exit(1)
	}

	median := func(name string) (float64, bool) {
		values := append([]float64(nil), times[name]...)
		if len(values) == 0 {
			return 0, false
		}
		sort.Float64s(values)
		middle := len(values) / 2
		if len(values)%2 == 0 {
			return (values[middle-1] + values[middle]) / 2, true
		}
		return values[middle], true
	}
	fmt.Printf("%-32s %10s %10s %9s\n", "benchmark (go caller)", "median ns", "spread ns", "x native")
	for _, name := range order {
		values := times[name]
		m, _ := median(name)
		lo, hi := values[0], values[0]
		for _, v := range values {
			lo, hi = min(lo, v), max(hi, v)
		}
		ratio := ""
		op := name[:strings.Index(name+"/", "/")]
		if native, ok := median(op + "/native"); ok {
			ratio = fmt.Sprintf("%.2f", m/native)
		}
		fmt.Printf("%-32s %10.2f %10.2f %9s\n", name, m, (hi-lo)/2, ratio)
	}
	fmt.Printf("\n%-16s %12s %12s %12s\n", "Go -> Rust", "cgo call ns", "copy ns", "total ns")
	for _, name := range order {
		op, path, _ := strings.Cut(name, "/")
		if path != "cgo" {
			continue
		}
		total, _ := median(name)
		if view, ok := median(op + "/cgo-view"); ok {
			fmt.Printf("%-16s %12.2f %12.2f %12.2f\n", op, view, total-view, total)
		}
	}
}
