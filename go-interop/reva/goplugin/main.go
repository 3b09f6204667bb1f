// Command goplugin is reva v1.7's json user manager built with -buildmode=plugin, the way the seed
// benchmark loaded it: the Go plugin that the Rust drop-in (package rust) replaces. The host looks
// up New and calls it with the driver's configuration.
package main

import (
	"github.com/cs3org/reva/pkg/user"
	"github.com/cs3org/reva/pkg/user/manager/json"
)

// New is the json driver's constructor, as reva's registry holds it.
func New(conf map[string]interface{}) (user.Manager, error) { return json.New(conf) }

func main() {}
