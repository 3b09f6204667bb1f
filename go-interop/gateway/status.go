package gateway

// What the admin listener reports: the loaded generations, the mapped plugin copies, the reloads.

import "sort"

// Generation describes one loaded plugin file.
type Generation struct {
	ID       uint64 `json:"id"`
	Route    string `json:"route"`
	Plugin   string `json:"plugin"`
	Version  string `json:"version"`
	Source   string `json:"source"`
	Copy     string `json:"copy"`
	InFlight int64  `json:"in_flight"`
	Current  bool   `json:"current"`
}

// info describes gen; the caller holds g.mu.
func (gen *generation) info() Generation {
	inFlight := gen.refs.Load()
	current := false
	if r := gen.gateway.routes[gen.route]; r != nil && r.current.Load() == gen {
		current = true
		inFlight-- // the route's own reference
	}
	return Generation{ID: gen.id, Route: gen.route, Plugin: gen.name, Version: gen.version,
		Source: gen.source, Copy: gen.copy, InFlight: max(inFlight, 0), Current: current}
}

// Status is what /admin/status reports.
type Status struct {
	// Generations: every loaded generation, the current ones and those waiting for their last
	// request, by id.
	Generations []Generation `json:"generations"`
	// MappedPluginFiles: the plugin copies /proc/self/maps shows mapped (loaded generations only,
	// unless an unload failed to unmap).
	MappedPluginFiles []string `json:"mapped_plugin_files"`
	Reloads           int      `json:"reloads"`
	FailedReloads     int      `json:"failed_reloads"`
	GoPluginRoutes    []string `json:"go_plugin_routes"`
}

// Status reports the loaded generations and what is mapped.
func (g *Gateway) Status() Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := Status{Reloads: g.reloads, FailedReloads: g.failedReloads, MappedPluginFiles: MappedFiles(g.dir)}
	for _, gen := range g.live {
		s.Generations = append(s.Generations, gen.info())
	}
	sort.Slice(s.Generations, func(i, j int) bool { return s.Generations[i].ID < s.Generations[j].ID })
	for path := range g.goRoutes {
		s.GoPluginRoutes = append(s.GoPluginRoutes, path)
	}
	sort.Strings(s.GoPluginRoutes)
	return s
}

// WaitUnloaded blocks until generation id is unloaded (at once if it is not loaded).
func (g *Gateway) WaitUnloaded(id uint64) {
	g.mu.Lock()
	gen := g.live[id]
	g.mu.Unlock()
	if gen != nil {
		<-gen.unloaded
	}
}
