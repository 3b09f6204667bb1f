// Package hashicorp is the baseline for plugins out of process that users pick today: the user
// manager served by hashicorp go-plugin over its two transports, net/rpc (gob over yamux over a
// Unix socket) and gRPC (protobuf over HTTP/2 over a Unix socket). The plugin process (command
// cmd/hashicorp-plugin, built into go-interop/build) serves Go native's user manager, so the
// conformance suite runs on it unchanged and its benchmarks measure what the transport costs.
//
// Answers are decoded from the wire on every call: they are the caller's own (the owned
// contract, as current reva has it).
//
// go-plugin gives a host no supervision: once its plugin process has died, a Client stays dead.
// Manager adds what a careful host adds: a call that fails in the transport stops the plugin
// process, and the next call starts a new one (no backoff). gRPC calls have a deadline
// (Options.CallTimeout); net/rpc calls have none, as in reva's go-plugin user managers: net/rpc
// cannot give up a call.
package hashicorp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"rustplugin/go-interop/status"
	"rustplugin/go-interop/usermanager"
)

// Transport is the way go-plugin carries the calls.
type Transport string

const (
	// NetRPC is go-plugin's net/rpc transport (encoding/gob over yamux), protocol version 1.
	NetRPC Transport = "netrpc"
	// GRPC is go-plugin's gRPC transport (cs3apis' UserAPI service and messages), protocol version 2.
	GRPC Transport = "grpc"
)

// Handshake is what host and plugin process agree on before anything else; go-plugin refuses a
// plugin process whose magic cookie or protocol versions differ.
var Handshake = plugin.HandshakeConfig{MagicCookieKey: "RP_USER_MANAGER_PLUGIN", MagicCookieValue: "reva UserManager"}

// pluginName is the name of the one plugin in each set.
const pluginName = "usermanager"

// pluginSets are the protocol versions: go-plugin carries one version over one transport, so
// version 1 is net/rpc and version 2 gRPC. The plugin process serves both (impl), a host asks
// for one (timeout: its gRPC calls' deadline).
func pluginSets(impl usermanager.Manager, timeout time.Duration) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {pluginName: &netRPCPlugin{impl: impl}},
		2: {pluginName: &grpcPlugin{impl: impl, timeout: timeout}},
	}
}

func (t Transport) version() (int, error) {
	switch t {
	case NetRPC:
		return 1, nil
	case GRPC:
		return 2, nil
	}
	return 0, fmt.Errorf("%w: transport %q (%q or %q)", usermanager.ErrInvalidArgument, t, NetRPC, GRPC)
}

// The errors of a call that did not get an answer, matched with errors.Is.
var (
	// ErrUnavailable: the call failed in the transport (the plugin process died in it, or cannot
	// be reached, or could not be started).
	ErrUnavailable = errors.New("plugin process unavailable")
	// ErrDeadline: a gRPC call did not finish before Options.CallTimeout.
	ErrDeadline = errors.New("plugin call past its deadline")
)

// DefaultCallTimeout is a gRPC call's deadline when Options.CallTimeout is 0.
const DefaultCallTimeout = 5 * time.Second

// Options of Open.
type Options struct {
	Transport Transport
	// CallTimeout is each gRPC call's deadline (DefaultCallTimeout); net/rpc calls have none.
	CallTimeout time.Duration
	// MemoryLimitBytes, when not 0, is the address space the plugin process limits itself to
	// (RLIMIT_AS): go-plugin has no memory limit of its own.
	MemoryLimitBytes int64
	// Faults makes the plugin process cause the fault of package faults that GetUser is asked
	// for as the opaque id "fault:NAME" (the fault matrix; never in production).
	Faults bool
}

// Manager is the user manager in a go-plugin process. Its methods may be called from any
// goroutine.
type Manager struct {
	binary, usersFile string
	options           Options
	version           int
	// current is the connection calls use; nil before the first start and after a failed one.
	current atomic.Pointer[connection]
	mu      sync.Mutex // held to start or stop a plugin process
	closed  bool
	starts  int // plugin processes started (m.mu)
}

// connection is one plugin process and the user manager it serves.
type connection struct {
	client  *plugin.Client
	manager usermanager.Manager
}

// Open starts the plugin process at binary (go-interop/build/hashicorp-plugin) on the reva JSON
// user file at usersFile, over options.Transport.
func Open(binary, usersFile string, options Options) (*Manager, error) {
	version, err := options.Transport.version()
	if err != nil {
		return nil, err
	}
	if options.CallTimeout == 0 {
		options.CallTimeout = DefaultCallTimeout
	}
	m := &Manager{binary: binary, usersFile: usersFile, options: options, version: version}
	if _, err := m.connection(); err != nil {
		return nil, err
	}
	return m, nil
}

// PluginCPUsEnv places plugin processes on CPUs, as it places rp-plugin-server (process/
// rp-process): a CPU list as `taskset -c` takes it. Benchmarks that pin a host to one CPU set it,
// so that host and plugin process do not take turns on that CPU.
const PluginCPUsEnv = "RP_PLUGIN_CPUS"

// LoadFailureExit is the exit code base of a plugin process that cannot load its user file:
// it exits with LoadFailureExit + the status (include/rp_common.h) and says why on stderr.
const LoadFailureExit = 100

// stderrTail keeps the end of what a plugin process writes to stderr, for the error of a start
// that failed.
type stderrTail struct {
	mu   sync.Mutex
	tail []byte
}

const stderrTailBytes = 4096

func (t *stderrTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tail = append(t.tail, p...)
	if excess := len(t.tail) - stderrTailBytes; excess > 0 {
		t.tail = append(t.tail[:0], t.tail[excess:]...)
	}
	return len(p), nil
}

func (t *stderrTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.tail))
}

// start starts a plugin process and connects to it (m.mu held).
func (m *Manager) start() (*connection, error) {
	args := []string{"-users", m.usersFile}
	if m.options.MemoryLimitBytes != 0 {
		args = append(args, "-memory-limit-bytes", strconv.FormatInt(m.options.MemoryLimitBytes, 10))
	}
	if m.options.Faults {
		args = append(args, "-faults")
	}
	cmd := exec.Command(m.binary, args...)
	if cpus := os.Getenv(PluginCPUsEnv); cpus != "" {
		cmd = exec.Command("taskset", append([]string{"-c", cpus, m.binary}, args...)...)
	}
	stderr := &stderrTail{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{m.version: pluginSets(nil, m.options.CallTimeout)[m.version]},
		Cmd:              cmd,
		Stderr:           stderr,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolNetRPC, plugin.ProtocolGRPC},
		// go-plugin logs the plugin process's stderr at debug level, and its own warnings (a
		// plugin that did not exit gracefully when killed): errors only.
		Logger: hclog.New(&hclog.LoggerOptions{Name: "hashicorp-plugin", Level: hclog.Error, Output: os.Stderr}),
	})
	protocol, err := client.Client()
	if err == nil {
		var raw any
		if raw, err = protocol.Dispense(pluginName); err == nil {
			return &connection{client: client, manager: raw.(usermanager.Manager)}, nil
		}
	}
	client.Kill() // returns once the process has been waited for: its exit code and stderr are in
	if code := cmd.ProcessState.ExitCode() - LoadFailureExit; code > status.OK && usermanager.ForStatus(code) != nil {
		return nil, &usermanager.StatusError{Status: code, Message: stderr.String()}
	}
	return nil, fmt.Errorf("%w: %s: %v (stderr: %q)", ErrUnavailable, m.binary, err, stderr.String())
}

// connection returns the live connection, starting a plugin process if there is none (the first
// call, or the last process failed) or if the last one has exited.
func (m *Manager) connection() (*connection, error) {
	if c := m.current.Load(); c != nil && !c.client.Exited() {
		return c, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, usermanager.ErrClosed
	}
	if old := m.current.Load(); old != nil {
		if !old.client.Exited() {
			return old, nil // another call restarted it
		}
		old.client.Kill() // reaps it and closes the connection
	}
	c, err := m.start()
	m.starts++
	m.current.Store(c)
	return c, err
}

// check passes a call's error on; when the call failed in the transport, it first stops c's
// plugin process, so that the next call starts a new one rather than find the connection
// broken until go-plugin notices the process has exited.
func (m *Manager) check(c *connection, err error) error {
	if errors.Is(err, ErrUnavailable) {
		m.mu.Lock()
		if m.current.CompareAndSwap(c, nil) {
			c.client.Kill()
		}
		m.mu.Unlock()
	}
	return err
}

// Restarts counts the plugin processes started after the first.
func (m *Manager) Restarts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return max(m.starts-1, 0)
}

// Close stops the plugin process. Later calls return usermanager.ErrClosed.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	if c := m.current.Swap(nil); c != nil {
		c.client.Kill()
	}
}

// GetUser implements usermanager.Manager (owned answers).
func (m *Manager) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	c, err := m.connection()
	if err != nil {
		return nil, err
	}
	user, err := c.manager.GetUser(id)
	return user, m.check(c, err)
}

// GetUserByClaim implements usermanager.Manager (owned answers).
func (m *Manager) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	c, err := m.connection()
	if err != nil {
		return nil, err
	}
	user, err := c.manager.GetUserByClaim(claim, value)
	return user, m.check(c, err)
}

// GetUserGroups implements usermanager.Manager (owned answers).
func (m *Manager) GetUserGroups(id usermanager.UserID) ([]string, error) {
	c, err := m.connection()
	if err != nil {
		return nil, err
	}
	groups, err := c.manager.GetUserGroups(id)
	return groups, m.check(c, err)
}

// FindUsers implements usermanager.Manager (owned answers).
func (m *Manager) FindUsers(query string) ([]*usermanager.User, error) {
	c, err := m.connection()
	if err != nil {
		return nil, err
	}
	users, err := c.manager.FindUsers(query)
	return users, m.check(c, err)
}

// Serve serves impl to a host as go-plugin's plugin process does, over the transport the host
// asks for; it returns when the host goes away. Only a plugin process's main calls it.
func Serve(impl usermanager.Manager) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: pluginSets(impl, 0),
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}

// answerError is the error of an answer's status and message (nil for RP_OK).
func answerError(code int, message string) error {
	if code == status.OK {
		return nil
	}
	return &usermanager.StatusError{Status: code, Message: message}
}

// message is err's text for the wire ("" for nil).
func message(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
