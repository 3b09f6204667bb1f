package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rustplugin/go-interop/faults"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/hashicorp"
	"rustplugin/go-interop/wasmplugin/hostilewasm"
)

// The fault matrix: every fault of package faults (rows) in every way the gateway serves a plugin
// (columns), and in the hashicorp go-plugin baseline (the last column). Each cell runs in a child process (this test binary, run again with
// matrixCellEnv) playing the host, so that a fault that kills the host kills the child, not the
// test: the parent sees it die.
var (
	matrixColumns  = []string{"goplugin", "cgo", "wasm", "process", "hashicorp"}
	goFaultyPlugin = filepath.Join("..", "build", "gofaultyplugin.so")
	// hashicorpPlugin is the hashicorp go-plugin baseline's plugin process (scripts/go-common.sh).
	hashicorpPlugin = filepath.Join("..", "build", "hashicorp-plugin")
	hostilePlugin   = filepath.Join(repoRoot, "target", "release", "libhostile_plugin.so")
	demoUsers       = filepath.Join(repoRoot, "rust-plugin", "rustplugin", "data", "demo-users.json")
)

const (
	matrixCellEnv = "RP_FAULT_MATRIX_CELL"
	// matrixOutEnv names a file the matrix is written to as JSON (make bench: results/).
	matrixOutEnv = "RP_FAULT_MATRIX_OUT"
	// cellRequestTimeout bounds each request of a cell; a loop in process holds its request
	// forever, so the host's client gives up on it. A memory bomb gets longer to reach the limit.
	cellRequestTimeout, cellBombTimeout = 3 * time.Second, 30 * time.Second
	// cellMemoryLimit bounds the address space of an in-process host, so that a memory bomb ends.
	cellMemoryLimit = 2 << 30
)

// matrixCell is one cell: what happened to the host and its requests.
type matrixCell struct {
	Column, Fault string
	HostAlive     bool
	// FaultAnswer is the faulty request's status, or why it got none.
	FaultAnswer string
	// Failed counts the requests that failed, from the faulty one to the first success.
	Failed int
	// RecoveryMillis is the time from the faulty request's end to the first success.
	RecoveryMillis float64
	Detail         string
}

func TestFaultMatrix(t *testing.T) {
	if os.Getenv(matrixCellEnv) != "" {
		t.Skip("a cell's child process")
	}
	var cells []matrixCell
	for _, column := range matrixColumns {
		for _, fault := range faults.Names {
			cell := runMatrixCell(t, column, fault)
			cells = append(cells, cell)
			t.Logf("%-8s %-14s alive=%-5v answer=%-22q failed=%d next success after %.1f ms %s", column, fault,
				cell.HostAlive, cell.FaultAnswer, cell.Failed, cell.RecoveryMillis, cell.Detail)
			isolated := column == "wasm" || column == "process" || column == "hashicorp"
			survives := isolated || fault == "panic" || fault == "loop"
			if cell.HostAlive != survives {
				t.Errorf("%s %s: host alive %v, expected %v", column, fault, cell.HostAlive, survives)
			}
		}
	}
	// The hostile rows, in the tiers that isolate the gateway's HTTP plugins: each attack must
	// leave the host alive, be refused or blocked, and the route serve again.
	for _, row := range hostileRows {
		for column := range row.attacks {
			cell := runMatrixCell(t, column, row.name)
			cells = append(cells, cell)
			t.Logf("%-8s %-30s alive=%-5v answer=%q failed=%d next success after %.1f ms %s", column, row.name,
				cell.HostAlive, cell.FaultAnswer, cell.Failed, cell.RecoveryMillis, cell.Detail)
			if !cell.HostAlive || cell.Detail != "" || strings.Contains(cell.FaultAnswer, "ALLOWED") {
				t.Errorf("%s %s: %+v", column, row.name, cell)
			}
		}
	}
	if path := os.Getenv(matrixOutEnv); path != "" {
		data, err := json.MarshalIndent(cells, "", "  ")
		if err == nil {
			err = os.WriteFile(path, data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// runMatrixCell runs one cell in a child process and reads its verdict.
func runMatrixCell(t *testing.T, column, fault string) matrixCell {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestFaultMatrixCell$", "-test.count", "1")
	cmd.Env = append(os.Environ(), matrixCellEnv+"="+column+"/"+fault)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: the cell did not finish in 90 s", column, fault)
	}
	scanner := bufio.NewScanner(&stdout)
	for scanner.Scan() {
		if line, ok := strings.CutPrefix(scanner.Text(), "CELL "); ok {
			var cell matrixCell
			if err := json.Unmarshal([]byte(line), &cell); err != nil {
				t.Fatal(err)
			}
			return cell
		}
	}
	// No verdict: the host died. Say how, with the runtime's first words about it.
	detail := fmt.Sprint(err)
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "fatal") || strings.HasPrefix(line, "SIG") || strings.Contains(line, "overflow") ||
			strings.Contains(line, "out of memory") || strings.HasPrefix(line, "unexpected") {
			detail += ": " + strings.TrimSpace(line)
			break
		}
	}
	return matrixCell{Column: column, Fault: fault, HostAlive: false, FaultAnswer: "host died", Failed: -1, Detail: detail}
}

// gatewayRequests serves the faulty plugin in column's way and sends requests to it: a plain one
// (fault "") or one that asks for a fault (the X-Fault header); a success is a 200.
func gatewayRequests(t *testing.T, column string, timeout time.Duration) func(fault string) (string, bool) {
	if column == "goplugin" || column == "cgo" {
		limit := syscall.Rlimit{Cur: cellMemoryLimit, Max: cellMemoryLimit}
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &limit); err != nil {
			t.Fatal(err)
		}
	}
	g, err := New(Options{TempDir: t.TempDir(), PluginDirs: []string{filepath.Dir(faultyPlugin), wasmDir},
		WasmTimeout: time.Second, ProcessTimeout: time.Second, WasmMemoryBytes: 64 << 20, ProcessMemoryBytes: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	switch column {
	case "goplugin":
		err = g.AddGoPlugin("/f", goFaultyPlugin)
	case "cgo":
		err = g.AddPlugin("/f", faultyPlugin, "")
	case "wasm":
		err = g.AddPlugin("/f", faultyWasm, "")
	case "process":
		err = g.AddProcessPlugin("/f", faultyPlugin, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(g)
	client := &http.Client{Timeout: timeout}
	return func(fault string) (string, bool) {
		req, _ := http.NewRequest("GET", s.URL+"/f", nil)
		if fault != "" {
			req.Header.Set("X-Fault", fault)
		}
		resp, err := client.Do(req)
		var urlErr *url.Error
		if errors.As(err, &urlErr) && urlErr.Timeout() {
			return "no answer in time", false
		} else if urlErr != nil {
			return fmt.Sprintf("no answer (%v)", urlErr.Err), false
		}
		resp.Body.Close()
		return fmt.Sprint(resp.StatusCode), resp.StatusCode == http.StatusOK
	}
}

// hashicorpRequests starts the hashicorp go-plugin baseline over gRPC (the transport with
// deadlines) with its faults on, and calls it: GetUser of a user (fault "") or of "fault:NAME".
// go-plugin serves RPC interfaces, not the gateway's HTTP plugins: the faults are planted in the
// plugin process's GetUser (package faults, as in the Go plugin).
func hashicorpRequests(t *testing.T, timeout time.Duration) (get func(fault string) (string, bool), stop func()) {
	m, err := hashicorp.Open(hashicorpPlugin, demoUsers, hashicorp.Options{Transport: hashicorp.GRPC,
		CallTimeout: timeout, MemoryLimitBytes: cellMemoryLimit, Faults: true})
	if err != nil {
		t.Fatal(err)
	}
	return func(fault string) (string, bool) {
		id := usermanager.UserID{OpaqueID: "einstein"}
		if fault != "" {
			id.OpaqueID = "fault:" + fault
		}
		_, err := m.GetUser(id)
		switch {
		case err == nil:
			return "ok", true
		case errors.Is(err, hashicorp.ErrUnavailable):
			return "unavailable (the process died)", false
		case errors.Is(err, hashicorp.ErrDeadline):
			return "deadline exceeded", false
		}
		return err.Error(), false
	}, m.Close
}

// A hostile row: what a plugin that attacks its host tries, per column that runs it. An attack is
// X-Attack values of rust-plugin/plugins/hostile-plugin (out of process, each asked in turn) or a
// hostile module the route is reloaded with (Wasm).
type hostileRow struct {
	name    string
	attacks map[string][]string
}

var hostileRows = []hostileRow{
	{"hostile: reads the host", map[string][]string{"process": {"host-fds", "read-host-memory", "other-regions"}}},
	{"hostile: escapes (signal, fork, exec)", map[string][]string{"process": {"signal", "fork", "exec", "keep-running"}}},
	{"hostile: scribbles over shared memory", map[string][]string{"process": {"scribble"}}},
	{"hostile: compile bomb", map[string][]string{"wasm": {"compile-bomb"}}},
	{"hostile: table bomb", map[string][]string{"wasm": {"table-bomb"}}},
}

// hostileCell is a hostile row's cell (in the child process): the attacks, then plain requests
// until one succeeds.
func hostileCell(t *testing.T, column, name string) matrixCell {
	var attacks []string
	for _, row := range hostileRows {
		if row.name == name {
			attacks = row.attacks[column]
		}
	}
	scratch := t.TempDir() // where the hostile modules are written: a plugin directory
	g, err := New(Options{TempDir: t.TempDir(), PluginDirs: []string{filepath.Dir(hostilePlugin), wasmDir, scratch},
		WasmTimeout: time.Second, ProcessTimeout: time.Second, WasmCompileTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if column == "process" {
		err = g.AddProcessPlugin("/f", hostilePlugin, "")
	} else {
		err = g.AddPlugin("/f", echoWasm, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(g)
	get := func(headers ...string) (int, string) {
		a, err := request("GET", s.URL+"/f", "", headers...)
		if err != nil {
			return 0, err.Error()
		}
		return a.status, a.body
	}
	var answers []string
	for _, attack := range attacks {
		if column == "process" {
			status, body := get("X-Attack", attack)
			body, _, _ = strings.Cut(body, ":")
			answers = append(answers, fmt.Sprintf("%s %d %s", attack, status, body))
			continue
		}
		start := time.Now()
		_, err := g.Reload("/f", writeHostileModule(t, scratch, attack))
		reason := "ALLOWED: loaded"
		if err != nil {
			_, why, _ := strings.Cut(err.Error(), "refused Wasm module: ")
			reason = "refused: " + why
		}
		answers = append(answers, fmt.Sprintf("%s after %v", reason, time.Since(start).Round(time.Millisecond)))
	}
	cell := matrixCell{Column: column, Fault: name, HostAlive: true, FaultAnswer: strings.Join(answers, "; "), Failed: 0}
	start := time.Now()
	for status, body := get(); status != 200; status, body = get() {
		cell.Failed++
		if time.Since(start) > 10*time.Second {
			cell.Detail = "no success within 10 s: " + body
			break
		}
	}
	cell.RecoveryMillis = float64(time.Since(start).Microseconds()) / 1000
	return cell
}

// writeHostileModule writes the hostile module attack names, an HTTP plugin of the guest ABI,
// into dir, and returns its path.
func writeHostileModule(t *testing.T, dir, attack string) string {
	abi := hostilewasm.Custom("rp_wasm_abi", "1.0 http hostile 1")
	var module []byte
	switch attack {
	case "compile-bomb":
		module = hostilewasm.CompileBomb(50_000, abi)
	case "table-bomb":
		echo, err := os.ReadFile(echoWasm)
		if err == nil {
			module, err = hostilewasm.Rewrite(echo, hostilewasm.UnboundedTable)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "hostile-"+attack+".wasm")
	if err := os.WriteFile(path, module, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFaultMatrixCell is a cell's host (in the child process only): it serves the faulty plugin,
// sends the fault, then plain requests until one succeeds, and prints its verdict.
func TestFaultMatrixCell(t *testing.T) {
	spec := os.Getenv(matrixCellEnv)
	if spec == "" {
		t.Skip("run by TestFaultMatrix")
	}
	column, fault, _ := strings.Cut(spec, "/")
	if strings.HasPrefix(fault, "hostile: ") {
		line, _ := json.Marshal(hostileCell(t, column, fault))
		fmt.Printf("CELL %s\n", line)
		os.Exit(0)
	}
	timeout := cellRequestTimeout
	if fault == "memory-bomb" {
		timeout = cellBombTimeout
	}
	var get func(fault string) (answer string, ok bool)
	stop := func() {}
	if column == "hashicorp" {
		get, stop = hashicorpRequests(t, timeout)
	} else {
		get = gatewayRequests(t, column, timeout)
	}
	if answer, ok := get(""); !ok {
		t.Fatalf("before the fault: %s", answer)
	}
	faultAnswer, _ := get(fault)
	cell := matrixCell{Column: column, Fault: fault, HostAlive: true, FaultAnswer: faultAnswer, Failed: 1}
	if len(cell.FaultAnswer) > 60 {
		cell.FaultAnswer = cell.FaultAnswer[:60]
	}
	start := time.Now()
	for answer, ok := get(""); !ok; answer, ok = get("") {
		cell.Failed++
		if time.Since(start) > 10*time.Second {
			cell.Detail = "no success within 10 s: " + answer
			break
		}
	}
	cell.RecoveryMillis = float64(time.Since(start).Microseconds()) / 1000
	line, _ := json.Marshal(cell)
	fmt.Printf("CELL %s\n", line)
	stop()
	// Exit now: a host whose plugin loops in process cannot close (the call never returns).
	os.Exit(0)
}
