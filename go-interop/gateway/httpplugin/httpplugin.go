// Package httpplugin is the seeds' interface for Go HTTP plugins: a plugin built with
// -buildmode=plugin exports NewPlugin() Plugin, and the host calls Init, then Handle for each
// request, then Close. The gateway serves such plugins next to the Rust ones, as the baseline
// they replace: a Go plugin cannot be unloaded, and plugin.Open refuses one built against another
// version of a package the host also uses (this one, for a start).
package httpplugin

import "context"

// Request is what a handler may read of the request.
type Request interface {
	GetHeader(name string) string
	GetBody() []byte
}

// Response is what a handler may set of the response.
type Response interface {
	SetHeader(name, value string)
	SetBody(body []byte)
	SetStatus(code int)
}

// Plugin is the plugin's lifecycle.
type Plugin interface {
	Init() error
	Handle(ctx context.Context, req Request, resp Response) error
	Close() error
}

// NewPluginFunc is the type of the NewPlugin symbol a Go plugin exports.
type NewPluginFunc = func() Plugin
