// The gateway under test: started, reloaded through its admin port, sampled and stopped.

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type gateway struct {
	cmd   *exec.Cmd
	url   string
	pid   int
	admin *http.Client // over the admin socket
	token string
}

// reload asks the gateway to reload route from its file, over the admin socket with the token.
func (g *gateway) reload(route string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, "http://gateway/admin/reload?route="+route, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	return g.admin.Do(req)
}

func startGateway(c config, logger *log.Logger) (*gateway, error) {
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(secret)
	socket := filepath.Join(os.TempDir(), fmt.Sprintf("rp-loadtest-admin-%d.sock", os.Getpid()))
	args := []string{"-listen", "127.0.0.1:0", "-plugin", "/echo=" + c.EchoPlugin, "-plugin", "/wasm-echo=" + c.EchoWasm,
		"-process-plugin", "/process-echo=" + c.EchoPlugin, "-goplugin", "/go-echo=" + c.GoPlugin,
		"-admin", "unix:" + socket}
	name := c.Gateway
	if c.GatewayCPU != "" {
		args = append([]string{"-c", c.GatewayCPU, name}, args...)
		name = "taskset"
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "RP_GATEWAY_ADMIN_TOKEN="+token)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the gateway %s: %w", c.Gateway, err)
	}
	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			line := scanner.Text()
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				ready <- strings.Fields(rest)[0]
			} else if strings.Contains(line, "failed") || strings.Contains(line, "refused") || strings.Contains(line, "cannot") {
				logger.Printf("gateway: %s", line)
			}
		}
		close(ready)
	}()
	select {
	case url, ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			return nil, fmt.Errorf("the gateway exited before listening (%v)", cmd.ProcessState)
		}
		admin := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		}}}
		return &gateway{cmd: cmd, url: url, pid: cmd.Process.Pid, admin: admin, token: token}, nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, errors.New("the gateway did not start listening within 30 s")
	}
}

func (g *gateway) stop() {
	_ = g.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
	}
}

// sample reads the gateway's resident memory and its mapped plugin copies from /proc. With
// taskset in between, the gateway is the child of taskset's exec: the same pid.
func (g *gateway) sample(reloads int) sample {
	s := sample{AfterReloads: reloads}
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", g.pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				s.RSSKiB, _ = strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			}
		}
	}
	if maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", g.pid)); err == nil {
		files := map[string]bool{}
		for _, line := range strings.Split(string(maps), "\n") {
			if fields := strings.Fields(line); len(fields) >= 6 && strings.Contains(fields[5], "/rp-gateway-") {
				files[fields[5]] = true
			}
		}
		s.MappedFiles = len(files)
	}
	return s
}
