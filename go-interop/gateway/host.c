// The C half of the gateway's Rust plugin host: the callback table handed to every plugin instance
// (trampolines to the Go callbacks of callbacks.go, for 1.0 plugins), and the load, handle (1.0)
// and serve (1.1) wrappers around the C host's loader library (c-host/build/librp_loader.a, linked
// by gateway.go).
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

// The largest number of headers gw_serve passes from its stack; more are malloc'ed.
#define STACK_HEADERS 32

static void put_u64(char *at, uint64_t value) { memcpy(at, &value, sizeof value); }

// gw_serve serves one request through a 1.1 plugin's `serve`, in one C call (no callback into Go).
// The request arrives as pointer-free Go memory: `text` holds the method, the path, then each
// header's name and value, back to back; `lengths` their 2 + 2 * header_count lengths in that order.
// The response is written to `out` (`capacity` bytes of Go memory) as uint64s, status, header
// count, body length, then 2 * header_count lengths, followed by the header bytes and the body;
// when it does not fit, into malloc'ed memory returned in *spill (the caller frees it). *size is
// the response's size either way. On failure the plugin's message is copied into *error (malloc'ed;
// the caller frees it), as in gw_handle.
rp_status gw_serve(const rp_http_plugin_handle *plugin, const char *text, const size_t *lengths,
                   size_t header_count, const char *body, size_t body_len, char *out,
                   size_t capacity, size_t *size, char **spill, char **error) {
  rp_http_header stack_headers[STACK_HEADERS];
  rp_http_header *headers = stack_headers;
  rp_http_request_data request;
  rp_http_response_data response;
  rp_status status;
  size_t i, total;
  char *at;

  if (header_count > STACK_HEADERS) {
    headers = malloc(header_count * sizeof *headers);
    if (headers == NULL) {
      *error = strdup("out of memory for the request's headers");
      return RP_INVALID_ARGUMENT;
    }
  }
  request.method = (rp_str){text, lengths[0]};
  text += lengths[0];
  request.path = (rp_str){text, lengths[1]};
  text += lengths[1];
  for (i = 0; i < header_count; i++) {
    headers[i].name = (rp_str){text, lengths[2 + 2 * i]};
    text += lengths[2 + 2 * i];
    headers[i].value = (rp_str){text, lengths[3 + 2 * i]};
    text += lengths[3 + 2 * i];
  }
  request.headers = headers;
  request.header_count = header_count;
  request.body = (rp_str){body, body_len};
  memset(&response, 0, sizeof response);
  status = plugin->api->serve(plugin->instance, &request, &response);
  if (headers != stack_headers) free(headers);
  if (status != RP_OK) {
    *error = strdup(plugin->api->last_error_message());
    return status;
  }

  if ((response.header_count != 0 && response.headers == NULL) ||
      (response.body.len != 0 && response.body.ptr == NULL)) {
    plugin->api->release_response(plugin->instance, &response);
    *error = strdup("the plugin's response has NULL views");
    return RP_INVALID_ARGUMENT;
  }
  total = (3 + 2 * response.header_count) * sizeof(uint64_t) + response.body.len;
  for (i = 0; i < response.header_count; i++) {
    total += response.headers[i].name.len + response.headers[i].value.len;
  }
  *size = total;
  if (total > capacity) {
    out = *spill = malloc(total);
    if (out == NULL) {
      plugin->api->release_response(plugin->instance, &response);
      *error = strdup("out of memory for the plugin's response");
      return RP_INVALID_ARGUMENT;
    }
  }
  put_u64(out, (uint64_t)(int64_t)response.status);
  put_u64(out + 8, response.header_count);
  put_u64(out + 16, response.body.len);
  at = out + 24 + 2 * response.header_count * sizeof(uint64_t);
  for (i = 0; i < response.header_count; i++) {
    const rp_http_header *header = &response.headers[i];
    put_u64(out + 24 + 16 * i, header->name.len);
    put_u64(out + 32 + 16 * i, header->value.len);
    if (header->name.len) memcpy(at, header->name.ptr, header->name.len);
    at += header->name.len;
    if (header->value.len) memcpy(at, header->value.ptr, header->value.len);
    at += header->value.len;
  }
  if (response.body.len) memcpy(at, response.body.ptr, response.body.len);
  plugin->api->release_response(plugin->instance, &response);
  return RP_OK;
}
