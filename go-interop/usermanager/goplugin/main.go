// Command goplugin is package native built with -buildmode=plugin: the way the seeds' Go services
// load their plugins, and the baseline the Rust plugin replaces. Loaded by package pluginhost.
package main

import (
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/native"
)

// NewManager opens a reva JSON user file.
func NewManager(path string) (usermanager.Manager, error) {
	return native.New(path)
}

// Add returns a + b.
//
//go:noinline
func Add(a, b int64) int64 { return a + b }

func main() {}
