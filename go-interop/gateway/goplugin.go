package gateway

import (
	"fmt"

	"rustplugin/go-interop/gateway/httpplugin"
	"rustplugin/go-interop/pluginhost"
)

// OpenGoPlugin loads a Go plugin built with -buildmode=plugin that exports NewPlugin, and
// initialises it. It stays loaded for the life of the process.
func OpenGoPlugin(path string) (*GoPlugin, error) {
	newPlugin, err := pluginhost.Lookup[httpplugin.NewPluginFunc](path, "NewPlugin")
	if err != nil {
		return nil, err
	}
	instance := newPlugin()
	if err := instance.Init(); err != nil {
		return nil, fmt.Errorf("Go plugin %s: Init: %w", path, err)
	}
	return &GoPlugin{plugin: instance}, nil
}
