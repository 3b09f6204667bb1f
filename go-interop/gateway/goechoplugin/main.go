// Command goechoplugin is the seeds' echo plugin, built with -buildmode=plugin: the Go-plugin
// handler the gateway's load test compares with the Rust echo plugin and a native Go handler.
package main

import (
	"context"

	"rustplugin/go-interop/gateway/httpplugin"
)

type echo struct{}

func (echo) Init() error  { return nil }
func (echo) Close() error { return nil }

// Handle answers with the request's body, as the Rust echo plugin does.
func (echo) Handle(_ context.Context, req httpplugin.Request, resp httpplugin.Response) error {
	contentType := req.GetHeader("Content-Type")
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	resp.SetHeader("Content-Type", contentType)
	resp.SetHeader("X-Plugin", "goechoplugin")
	resp.SetBody(req.GetBody())
	return nil
}

// NewPlugin is the factory the host looks up.
func NewPlugin() httpplugin.Plugin { return echo{} }

func main() {}
