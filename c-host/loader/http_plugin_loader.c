#include "rp_loader.h"

#include <dlfcn.h>
#include <stdio.h>

rp_status rp_http_plugin_load(const char *path, const rp_http_host *host, rp_str config,
                              rp_http_plugin_handle *plugin, char *error, size_t error_capacity) {
  void *library;
  rp_http_plugin_get_descriptor_fn get_descriptor;
  const rp_http_plugin_descriptor *api;
  rp_http_plugin *instance = NULL;
  rp_status status;

  if (path == NULL || host == NULL || plugin == NULL) {
    snprintf(error, error_capacity, "rp_http_plugin_load: path, host and plugin must not be NULL");
    return RP_INVALID_ARGUMENT;
  }
  /* ISO C forbids converting void * to a function pointer; POSIX guarantees it works for dlsym. */
  status = rp_library_open(path, "rp_http_plugin_get_descriptor", "an HTTP plugin", &library,
                        (void **)&get_descriptor, error, error_capacity);
  if (status != RP_OK) {
    return status;
  }
  api = get_descriptor();
  if (rp_http_plugin_check_descriptor(api) != RP_OK) {
    if (api == NULL) {
      snprintf(error, error_capacity, "cannot use %s: rp_http_plugin_get_descriptor returned NULL",
               path);
    } else {
      snprintf(error, error_capacity,
               "cannot use %s: HTTP plugin ABI %u.%u (descriptor of %zu bytes) is incompatible with "
               "this host's ABI %u.%u (%zu bytes); rebuild the plugin against rp_http_plugin.h %u.x",
               path, (unsigned)api->abi_version_major, (unsigned)api->abi_version_minor,
               api->struct_size, (unsigned)RP_HTTP_ABI_VERSION_MAJOR,
               (unsigned)RP_HTTP_ABI_VERSION_MINOR, sizeof(rp_http_plugin_descriptor),
               (unsigned)RP_HTTP_ABI_VERSION_MAJOR);
    }
    dlclose(library);
    return RP_ABI_MISMATCH;
  }
  status = api->create(host, &instance);
  if (status == RP_OK) {
    status = api->init(instance, config);
  }
  if (status != RP_OK) {
    snprintf(error, error_capacity, "plugin %s %s (%s) refused to start: %s", api->plugin_name,
             api->plugin_version, path, api->last_error_message());
    api->destroy(instance);
    dlclose(library);
    return status;
  }
  plugin->library = library;
  plugin->api = api;
  plugin->instance = instance;
  return RP_OK;
}

rp_status rp_http_plugin_unload(rp_http_plugin_handle *plugin, char *error, size_t error_capacity) {
  rp_status status;
  if (plugin == NULL || plugin->library == NULL) {
    return RP_OK;
  }
  status = plugin->api->close(plugin->instance);
  if (status != RP_OK) {
    snprintf(error, error_capacity, "plugin %s failed to close: %s", plugin->api->plugin_name,
             plugin->api->last_error_message());
  }
  plugin->api->destroy(plugin->instance);
  dlclose(plugin->library);
  plugin->library = NULL;
  plugin->api = NULL;
  plugin->instance = NULL;
  return status;
}
