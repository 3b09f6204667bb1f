package gateway

import (
	"fmt"
	"plugin"

	"rustplugin/go-interop/httpplugin"
)

// OpenGoPlugin loads a Go plugin built with -buildmode=plugin that exports NewPlugin, and
// initialises it. It stays loaded for the life of the process.
func OpenGoPlugin(path string) (*GoPlugin, error) {
	p, err := plugin.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot load Go plugin %s: %w", path, err)
	}
	symbol, err := p.Lookup("NewPlugin")
	if err != nil {
		return nil, fmt.Errorf("Go plugin %s: %w", path, err)
	}
	newPlugin, ok := symbol.(httpplugin.NewPluginFunc)
	if !ok {
		return nil, fmt.Errorf("Go plugin %s: NewPlugin is a %T, not a func() httpplugin.Plugin", path, symbol)
	}
	instance := newPlugin()
	if err := instance.Init(); err != nil {
		return nil, fmt.Errorf("Go plugin %s: Init: %w", path, err)
	}
	return &GoPlugin{plugin: instance}, nil
}
