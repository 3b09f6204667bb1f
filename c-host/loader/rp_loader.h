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
 * Trust: a file is checked before it is loaded (rp_elf_check): one that is not a shared object for
 * this machine exporting the expected descriptor is refused without any of its code running. A
 * file that passes is loaded, and its constructors and code run with the host's rights: load only
 * plugins from directories you trust. This is every host's one loader: the Rust host (rp-host)
 * compiles these sources in too.
 */
#ifndef RP_LOADER_H
#define RP_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "rp_http_plugin.h"
#include "rustplugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest file rp_library_open checks and loads: 256 MiB (the project's plugins are 5 MB). */
#define RP_LOADER_MAX_LIBRARY_BYTES ((uint64_t)256 << 20)

/**
 * Checks, from the bytes of the file open at `fd` (read with pread; the file offset is unused),
 * that it is a regular file of at most `max_bytes` bytes and an ELF shared object for this machine
 * (class, byte order, e_machine, ET_DYN) whose dynamic symbol table defines the function `symbol`.
 * Nothing of the file is loaded or run. `path` and `kind` (e.g. "an HTTP plugin") only word the
 * message.
 *
 * Returns RP_OK; or, with a sentence in `error`: RP_NOT_A_FILE (a FIFO, a device, a directory),
 * RP_TOO_LARGE, RP_ABI_MISMATCH (not ELF, another machine, not a shared object, no section headers,
 * a truncated table, no such symbol), RP_IO (fstat or read failed).
 */
rp_status rp_elf_check(int fd, const char *path, const char *symbol, const char *kind,
                       uint64_t max_bytes, char *error, size_t error_capacity);

/**
 * Opens the shared library at `path` and finds `symbol` in it: opens the file (never blocking),
 * checks it with rp_elf_check, and only then dlopens it (RTLD_NOW | RTLD_LOCAL), so a refused file
 * never runs. Right before dlopen, `path` must still name the file that was checked (same device
 * and inode); a swap in the instant between that and dlopen is possible only for someone who can
 * write the plugin's directory, which must be trusted anyway; a host that loads from a directory
 * others can write copies the file into a private one first (as the Go gateway does). `path` is a
 * file path (relative to the working directory without a '/'): no library search path is used.
 *
 * Returns RP_OK with the dlopen handle in `*library` and the symbol's address in `*address`; or,
 * with a sentence in `error` (which says the library is not `kind`, e.g. "an HTTP plugin") and
 * nothing left open: RP_IO when the file cannot be opened or dlopen fails, and the statuses of
 * rp_elf_check.
 *
 * dlopen returns the already-loaded library for a file it has loaded before: to load a new build
 * while the old one is loaded, give the new one another file (the Go gateway copies it).
 */
rp_status rp_library_open(const char *path, const char *symbol, const char *kind, void **library,
                          void **address, char *error, size_t error_capacity);

/** A loaded user manager plugin: the dlopen handle and its checked descriptor. */
typedef struct rp_plugin_handle {
  void *library;
  const rp_plugin_descriptor *api;
} rp_plugin_handle;

/**
 * Loads the user manager plugin at `path` (through rp_library_open: a file path, relative to the
 * working directory when it has no '/'; no library search path is used).
 *
 * Returns RP_OK and fills `*plugin`; or, with a sentence in `error` and `*plugin` untouched:
 * - RP_IO: the file cannot be opened, or dlopen failed (unresolved symbols);
 * - RP_NOT_A_FILE, RP_TOO_LARGE: refused by rp_elf_check before loading;
 * - RP_ABI_MISMATCH: not a shared object for this machine exporting rp_plugin_get_descriptor
 *   (refused before loading), or its ABI version or descriptor size does not match this host's
 *   header (the library is closed again).
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
 * - RP_IO: the file cannot be opened, or dlopen failed (unresolved symbols);
 * - RP_NOT_A_FILE, RP_TOO_LARGE: refused by rp_elf_check before loading;
 * - RP_ABI_MISMATCH: not a shared object for this machine exporting rp_http_plugin_get_descriptor
 *   (refused before loading), or an incompatible ABI version;
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
