// The C half of the gateway's Rust plugin host: the callback table handed to every plugin instance
// (trampolines to the Go callbacks of callbacks.go), and the load and handle wrappers around the C
// host's loader library (c-host/build/librp_loader.a, linked by gateway.go).
#include <stdlib.h>
#include <string.h>

#include "_cgo_export.h"
#include "rp_loader.h"

// The trampolines restore the const qualifiers cgo's exported prototypes drop.
static rp_status get_method(const rp_http_request *request, rp_str *method) {
  return gwGetMethod((rp_http_request *)request, method);
}
static rp_status get_path(const rp_http_request *request, rp_str *path) {
  return gwGetPath((rp_http_request *)request, path);
}
static rp_status get_header(const rp_http_request *request, rp_str name, rp_str *value) {
  return gwGetHeader((rp_http_request *)request, name, value);
}
static rp_status get_body(const rp_http_request *request, rp_str *body) {
  return gwGetBody((rp_http_request *)request, body);
}

static const rp_http_host gateway_host = {
    sizeof(rp_http_host), get_method, get_path, get_header, get_body,
    gwSetStatus,          gwSetHeader, gwSetBody,
};

rp_status gw_load(const char *path, const char *config, rp_http_plugin_handle *plugin,
                  char *error, size_t capacity) {
  return rp_http_plugin_load(path, &gateway_host, rp_cstr(config), plugin, error, capacity);
}

// The plugin's last error is per thread, and Go may move the goroutine to another thread once
// this call returns: on failure the message is copied here, in the same C call, into `*error`
// (malloc'ed; the caller frees it). Success allocates nothing.
rp_status gw_handle(const rp_http_plugin_handle *plugin, uintptr_t call, char **error) {
  rp_status status = plugin->api->handle(plugin->instance, (const rp_http_request *)call,
                                         (rp_http_response *)call);
  if (status != RP_OK) {
    *error = strdup(plugin->api->last_error_message());
  }
  return status;
}
