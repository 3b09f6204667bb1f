package wasmplugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"
)

// Compilation is the one step a module's author controls that no instance limit covers: wazero
// compiles a function without looking at its context, and a small module (deeply nested blocks,
// a huge function) can hold a core for minutes and take gigabytes. So before a module compiles in
// the host, a child process compiles it first: the host's own executable, which this package's
// init turns into a compile checker, killed at Options.CompileTimeout and limited to
// Options.CompileMemoryBytes of address space. Only a module that compiled within both there is
// compiled here; nothing the child produces is used (the child only proves the work is bounded),
// so trusting it is never needed.
//
// The child runs the init functions of every package of the host program before this one's
// (Go's re-exec pattern): a program whose init has side effects sets CompileTimeout < 0 and
// compiles in process, unbounded.

// Defaults of the compile check.
const (
	DefaultCompileTimeout     = 10 * time.Second
	DefaultCompileMemoryBytes = 2 << 30
)

// compileCheckEnv, set in a child's environment, makes it a compile checker: "1", or
// "interruptible" for a module compiled with Options.Interruptible. compileMemoryEnv is its memory
// limit.
const (
	compileCheckEnv  = "RP_WASMPLUGIN_COMPILE_CHECK"
	compileMemoryEnv = "RP_WASMPLUGIN_COMPILE_MEMORY"
)

// Exit statuses of the compile checker.
const (
	compiledStatus    = 0
	notCompiledStatus = 1 // the module does not compile: standard error says why
)

func init() {
	if mode := os.Getenv(compileCheckEnv); mode != "" {
		os.Exit(compileCheck(mode == "interruptible"))
	}
}

// compileCheck is the child's side: the module from standard input, compiled under the memory
// limit, its error on standard error.
func compileCheck(interruptible bool) int {
	if limit, err := strconv.ParseUint(os.Getenv(compileMemoryEnv), 10, 64); err == nil {
		limitAddressSpace(limit)
	}
	module, err := io.ReadAll(os.Stdin)
	if err == nil {
		ctx := context.Background()
		runtime := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(interruptible))
		_, err = runtime.CompileModule(ctx, module)
	}
	if err != nil {
		fmt.Fprint(os.Stderr, err)
		return notCompiledStatus
	}
	return compiledStatus
}

// limitAddressSpace limits the process to what it maps now plus bytes (RLIMIT_AS): past it, the
// Go runtime's next allocation fails and it exits.
func limitAddressSpace(bytes uint64) {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return
	}
	pages, err := strconv.ParseUint(strings.Fields(string(statm))[0], 10, 64)
	if err != nil {
		return
	}
	total := pages*uint64(os.Getpagesize()) + bytes
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: total, Max: total})
}

// passedKey names a check that passed: the SHA-256 of the module's bytes and the limits it passed
// within (passing within larger limits says nothing about smaller ones).
type passedKey struct {
	sum           [sha256.Size]byte
	interruptible bool
	timeout       time.Duration
	memoryBytes   uint64
}

// maxPassed bounds the checks remembered: past it, new passes are not remembered (each module is
// then checked every time it is compiled, as before).
const maxPassed = 1024

// passed remembers the checks that passed in this process: the same bytes compile within the same
// limits again, so compiling an unchanged module again (a reload of every plugin, another
// gateway's route) starts no child. The key is computed from the very bytes that are then compiled.
var passed struct {
	sync.Mutex
	keys map[passedKey]struct{}
}

// checksStarted counts the children started (for the tests).
var checksStarted atomic.Int64

// checkCompile compiles module in a child process within options' time and memory: nil when it
// compiled there (now or before, in this process), else why not (a refusal).
func checkCompile(ctx context.Context, module []byte, options Options) error {
	if options.CompileTimeout < 0 {
		return nil
	}
	key := passedKey{sha256.Sum256(module), options.Interruptible, options.CompileTimeout, options.CompileMemoryBytes}
	passed.Lock()
	_, known := passed.keys[key]
	passed.Unlock()
	if known {
		return nil
	}
	if err := runCompileCheck(ctx, module, options); err != nil {
		return err
	}
	passed.Lock()
	defer passed.Unlock()
	if passed.keys == nil {
		passed.keys = make(map[passedKey]struct{})
	}
	if len(passed.keys) < maxPassed {
		passed.keys[key] = struct{}{}
	}
	return nil
}

// runCompileCheck starts the child that compiles module within options' limits.
func runCompileCheck(ctx context.Context, module []byte, options Options) error {
	checksStarted.Add(1)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("%w: cannot check its compilation: %v", ErrRefused, err)
	}
	// Its own deadline, not the caller's: a caller's deadline is sized for calls (the gateway's
	// is a request's), and compiling takes longer, ten times longer under the race detector.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), options.CompileTimeout)
	defer cancel()
	mode := "1"
	if options.Interruptible {
		mode = "interruptible"
	}
	var stderr bytes.Buffer
	child := exec.CommandContext(ctx, self)
	child.Env = append(os.Environ(), compileCheckEnv+"="+mode,
		compileMemoryEnv+"="+strconv.FormatUint(options.CompileMemoryBytes, 10))
	child.Stdin = bytes.NewReader(module)
	child.Stderr = &limitedWriter{buffer: &stderr, left: MaxQuoteBytes}
	// Killed with the host, so that a host that dies mid-check leaves no compiler behind.
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = child.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w: it did not compile within %v (a compile bomb?); the compiler was stopped", ErrRefused, options.CompileTimeout)
	case errors.As(err, &exit) && exit.ExitCode() == notCompiledStatus:
		return fmt.Errorf("%w: it does not compile: %s", ErrRefused, Quote(stderr.Bytes()))
	case errors.As(err, &exit):
		return fmt.Errorf("%w: compiling it took more than %d bytes of memory (%v); the compiler was stopped", ErrRefused, options.CompileMemoryBytes, exit)
	}
	return fmt.Errorf("%w: cannot check its compilation: %v", ErrRefused, err)
}

// limitedWriter keeps the first left bytes written to it.
type limitedWriter struct {
	buffer *bytes.Buffer
	left   int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.left)
	w.buffer.Write(p[:n])
	w.left -= n
	return len(p), nil
}
