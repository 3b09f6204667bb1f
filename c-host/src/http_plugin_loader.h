/*
 * http_plugin_loader: loads an HTTP plugin (rp_http_plugin.h) and takes one instance of it through
 * its lifecycle: dlopen, check the descriptor, create, init ... close, destroy, dlclose. Used by
 * the C lifecycle test and, through cgo, by the Go gateway (go-interop/gateway).
 */
#ifndef HTTP_PLUGIN_LOADER_H
#define HTTP_PLUGIN_LOADER_H

#include <stddef.h>

#include "rp_http_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded, initialised plugin instance. */
typedef struct http_plugin {
  void *library;                         /* the dlopen handle */
  const rp_http_plugin_descriptor *api;  /* checked against this host's rp_http_plugin.h */
  rp_http_plugin *instance;              /* created and initialised */
} http_plugin;

/**
 * Loads the plugin at `path` and makes it ready to serve: dlopen, descriptor check, create with
 * `host` (which must outlive the instance), init with `config` (UTF-8, may be empty).
 *
 * Returns RP_OK and fills `*plugin`. On failure nothing stays loaded, `*plugin` is untouched and
 * `error` (`error_capacity` bytes, always NUL-terminated) says why:
 * - RP_IO: dlopen failed (missing file, not a shared library, unresolved symbols);
 * - RP_ABI_MISMATCH: no rp_http_plugin_get_descriptor symbol, or an incompatible ABI version;
 * - the status of create or init, with the plugin's own message (RP_PLUGIN_FAILED for a
 *   configuration it refuses, RP_PANIC for a contained panic).
 */
rp_status http_plugin_load(const char *path, const rp_http_host *host, rp_str config,
                           http_plugin *plugin, char *error, size_t error_capacity);

/**
 * Closes, destroys and unloads a plugin loaded by http_plugin_load, and clears `*plugin`. The
 * caller must make sure no `handle` call is running or will start. Returns the status of the
 * plugin's close (the plugin is unloaded whatever it is), with the plugin's message in `error`.
 * A cleared or NULL plugin is a no-op returning RP_OK.
 */
rp_status http_plugin_unload(http_plugin *plugin, char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif /* HTTP_PLUGIN_LOADER_H */
