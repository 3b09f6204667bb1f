/*
 * rp_loader: the C host's plugin loader, built once as c-host/build/librp_loader.a and linked by
 * every C, C++ and Go host of this project (c-host, cpp-bench, the Go gateway through cgo).
 *
 * Two loaders over one dlopen step:
 * - rp_plugin_open / rp_plugin_close: the user manager library (rustplugin.h), opened and its
 *   descriptor checked before anything in it is called;
 * - rp_http_plugin_load / rp_http_plugin_unload: an HTTP plugin (rp_http_plugin.h), taken through
 *   its lifecycle: dlopen, descriptor check, create, init ... close, destroy, dlclose.
 *
 * Errors: every function returns an rp_status and writes one sentence into the caller's `error`
 * buffer (`error_capacity` bytes, always NUL-terminated when error_capacity > 0); on failure
 * nothing stays loaded and the out-parameter is untouched.
 *
 * Thread-safety: the functions keep no state of their own; dlopen and dlclose are thread-safe.
 * A handle must not be closed while another thread uses it.
 *
 * Trust: dlopen runs the library's constructors. Load only files from directories you trust.
 */
#ifndef RP_LOADER_H
#define RP_LOADER_H

#include <stddef.h>

#include "rp_http_plugin.h"
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
rp_status rp_library_open(const char *path, const char *symbol, const char *kind, void **library,
                          void **address, char *error, size_t error_capacity);

/** A loaded user manager plugin: the dlopen handle and its checked descriptor. */
typedef struct rp_plugin_handle {
  void *library;
  const rp_plugin_descriptor *api;
} rp_plugin_handle;

/**
 * Loads the user manager plugin at `path` (a path with a '/', or a name the dynamic loader
 * searches for).
 *
 * Returns RP_OK and fills `*plugin`; or, with a sentence in `error` and `*plugin` untouched:
 * - RP_IO: dlopen failed (missing file, not a shared library, unresolved symbols);
 * - RP_ABI_MISMATCH: the library has no rp_plugin_get_descriptor symbol, or its ABI version or
 *   descriptor size does not match this host's header. The library is closed again.
 */
rp_status rp_plugin_open(const char *path, rp_plugin_handle *plugin, char *error,
                         size_t error_capacity);

/** Closes a plugin opened by rp_plugin_open (dlclose) and clears `*plugin`. NULL members are a no-op. */
void rp_plugin_close(rp_plugin_handle *plugin);

/** A loaded, initialised HTTP plugin instance. */
typedef struct rp_http_plugin_handle {
  void *library;                         /* the dlopen handle */
  const rp_http_plugin_descriptor *api;  /* checked against this host's rp_http_plugin.h */
  rp_http_plugin *instance;              /* created and initialised */
} rp_http_plugin_handle;

/**
 * Loads the HTTP plugin at `path` and makes it ready to serve: dlopen, descriptor check, create
 * with `host` (which must outlive the instance), init with `config` (UTF-8, may be empty).
 *
 * Returns RP_OK and fills `*plugin`. On failure nothing stays loaded, `*plugin` is untouched and
 * `error` says why:
 * - RP_INVALID_ARGUMENT: `path`, `host` or `plugin` is NULL;
 * - RP_IO: dlopen failed (missing file, not a shared library, unresolved symbols);
 * - RP_ABI_MISMATCH: no rp_http_plugin_get_descriptor symbol, or an incompatible ABI version;
 * - the status of create or init, with the plugin's own message (RP_PLUGIN_FAILED for a
 *   configuration it refuses, RP_PANIC for a contained panic).
 */
rp_status rp_http_plugin_load(const char *path, const rp_http_host *host, rp_str config,
                              rp_http_plugin_handle *plugin, char *error, size_t error_capacity);

/**
 * Closes, destroys and unloads a plugin loaded by rp_http_plugin_load, and clears `*plugin`. The
 * caller must make sure no `handle` call is running or will start. Returns the status of the
 * plugin's close (the plugin is unloaded whatever it is), with the plugin's message in `error`.
 * A cleared or NULL plugin is a no-op returning RP_OK.
 */
rp_status rp_http_plugin_unload(rp_http_plugin_handle *plugin, char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif /* RP_LOADER_H */
