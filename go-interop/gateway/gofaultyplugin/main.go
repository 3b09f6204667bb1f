// Command gofaultyplugin is the faulty plugin of the fault matrix as a Go plugin (built with
// -buildmode=plugin): the faults of package faults, named by the X-Fault header, as
// rust-plugin/plugins/faulty-plugin has them. In a Go host, only a panic in the handler's
// goroutine can be recovered; the others are fatal errors of the Go runtime, which take the host
// down.
package main

import (
	"context"

	"rustplugin/go-interop/faults"
	"rustplugin/go-interop/gateway/httpplugin"
)

type faulty struct{}

func (faulty) Init() error  { return nil }
func (faulty) Close() error { return nil }

// Handle answers "ok", unless X-Fault names a fault.
func (faulty) Handle(_ context.Context, req httpplugin.Request, resp httpplugin.Response) error {
	if fault := req.GetHeader("X-Fault"); fault != "" {
		return faults.Cause(fault)
	}
	resp.SetBody([]byte("ok"))
	return nil
}

// NewPlugin is the factory the host looks up.
func NewPlugin() httpplugin.Plugin { return faulty{} }

func main() {}
