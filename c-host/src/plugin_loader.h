/*
 * plugin_loader: opens the Rust plugin's shared library with dlopen and checks its descriptor
 * before anything in it is called. Shared by the dlopen host, the tests and the benchmarks;
 * library_open is also the first step of http_plugin_loader.
 */
#ifndef PLUGIN_LOADER_H
#define PLUGIN_LOADER_H

#include <stddef.h>

#include "rustplugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Opens the shared library at `path` (RTLD_NOW | RTLD_LOCAL) and finds `symbol` in it.
 *
 * Returns RP_OK with the dlopen handle in `*library` and the symbol's address in `*address`; or,
 * with a sentence in `error` (which says the library is not `kind`, e.g. "an HTTP plugin") and
 * nothing left open:
 * RP_IO when dlopen fails, RP_ABI_MISMATCH when the symbol is missing.
 *
 * dlopen returns the already-loaded library for a path it has loaded before: to load a new build
 * while the old one is loaded, give the new one another path (the Go gateway copies it).
 */
rp_status library_open(const char *path, const char *symbol, const char *kind, void **library,
                       void **address, char *error, size_t error_capacity);

/** A loaded plugin: the dlopen handle and its checked descriptor. */
typedef struct plugin_handle {
  void *library;
  const rp_plugin_descriptor *api;
} plugin_handle;

/**
 * Loads the plugin at `path` (a path with a '/', or a name the dynamic loader searches for).
 *
 * Returns RP_OK and fills `*plugin`; or, with a sentence in `error` (`error_capacity` bytes, always
 * NUL-terminated) and `*plugin` untouched:
 * - RP_IO: dlopen failed (missing file, not a shared library, unresolved symbols);
 * - RP_ABI_MISMATCH: the library has no rp_plugin_get_descriptor symbol, or its ABI version or
 *   descriptor size does not match this host's header. The library is closed again.
 */
rp_status plugin_open(const char *path, plugin_handle *plugin, char *error, size_t error_capacity);

/** Closes a plugin opened by plugin_open (dlclose) and clears `*plugin`. NULL members are a no-op. */
void plugin_close(plugin_handle *plugin);

#ifdef __cplusplus
}
#endif

#endif /* PLUGIN_LOADER_H */
