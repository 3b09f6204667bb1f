/*
 * hello_plugin: an HTTP plugin written in C against rp_http_plugin.h, the smallest complete one.
 * It answers "hello, <X-Name header or world>" with status 200. Built as libhello-c.so by
 * `make c-host` and served by the C lifecycle test; the Go gateway serves it like a Rust plugin.
 *
 * It is an ABI 1.0 plugin on purpose: its descriptor ends before `serve`, so hosts serve it through
 * `handle` and their callbacks, which shows (and the tests check) that 1.1 hosts still run plugins
 * built before 1.1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rp_http_plugin.h"

/* The instance: what create allocates and destroy frees. */
struct rp_http_plugin {
  const rp_http_host *host;
};

/* Plugins have their own last error per thread; this one only fails on allocation. */
static _Thread_local const char *last_error = "";

static rp_status create(const rp_http_host *host, rp_http_plugin **plugin) {
  rp_http_plugin *instance;
  if (host == NULL || plugin == NULL || host->struct_size < sizeof(rp_http_host)) {
    last_error = "create: NULL argument or host table too small";
    return RP_INVALID_ARGUMENT;
  }
  instance = malloc(sizeof *instance);
  if (instance == NULL) {
    last_error = "create: out of memory";
    return RP_PLUGIN_FAILED;
  }
  instance->host = host;
  *plugin = instance;
  return RP_OK;
}

static rp_status init(rp_http_plugin *plugin, rp_str config) {
  (void)plugin;
  (void)config;
  return RP_OK;
}

static rp_status handle(const rp_http_plugin *plugin, const rp_http_request *request,
                        rp_http_response *response) {
  char body[128];
  rp_str name = rp_cstr("world");
  int length;
  rp_status status = plugin->host->get_header(request, rp_cstr("X-Name"), &name);
  if (status != RP_OK && status != RP_NOT_FOUND) return status;
  length = snprintf(body, sizeof body, "hello, %.*s", RP_STR_PRINTF(name));
  if (length < 0 || (size_t)length >= sizeof body) length = (int)sizeof body - 1;
  status = plugin->host->set_header(response, rp_cstr("Content-Type"), rp_cstr("text/plain"));
  if (status == RP_OK) {
    rp_str text = {body, (size_t)length};
    status = plugin->host->set_body(response, text);
  }
  return status;
}

static rp_status close_plugin(rp_http_plugin *plugin) {
  (void)plugin;
  return RP_OK;
}

static void destroy(rp_http_plugin *plugin) { free(plugin); }

static const char *last_error_message(void) { return last_error; }

static const rp_http_plugin_descriptor descriptor = {
    .abi_version_major = RP_HTTP_ABI_VERSION_MAJOR,
    .abi_version_minor = 0,
    .struct_size = RP_HTTP_DESCRIPTOR_SIZE_1_0,
    .plugin_name = "hello-c",
    .plugin_version = "1.0.0",
    .create = create,
    .init = init,
    .handle = handle,
    .close = close_plugin,
    .destroy = destroy,
    .last_error_message = last_error_message,
};

const rp_http_plugin_descriptor *rp_http_plugin_get_descriptor(void) { return &descriptor; }
