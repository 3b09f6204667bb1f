#include "rp_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef const rp_plugin_descriptor *(*get_descriptor_fn)(void);

rp_status rp_library_open(const char *path, const char *symbol, const char *kind, void **library,
                          void **address, char *error, size_t error_capacity) {
  void *opened;
  void *found;
  struct stat checked;
  struct stat now;
  rp_status status;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; the check refuses it anyway. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(error, error_capacity, "cannot load plugin %s: %s", path, strerror(errno));
    return RP_IO;
  }
  status = rp_elf_check(fd, path, symbol, kind, RP_LOADER_MAX_LIBRARY_BYTES, error, error_capacity);
  if (status == RP_OK && (fstat(fd, &checked) != 0 || stat(path, &now) != 0 ||
                          checked.st_dev != now.st_dev || checked.st_ino != now.st_ino)) {
    snprintf(error, error_capacity, "refused %s: it was replaced while it was being checked", path);
    status = RP_IO;
  }
  close(fd);
  if (status != RP_OK) {
    return status;
  }
  /* dlopen by path: glibc finds already-loaded objects by name first, so a /proc/self/fd/N name
   * (reused by the next load) could hand back another library. RTLD_LOCAL keeps the plugin's
   * symbols out of the global namespace, so two plugins (or two versions of one, during a reload)
   * cannot capture each other's symbols. */
  opened = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (opened == NULL) {
    snprintf(error, error_capacity, "cannot load plugin %s: %s", path, dlerror());
    return RP_IO;
  }
  found = dlsym(opened, symbol);
  if (found == NULL) {
    snprintf(error, error_capacity, "cannot use %s: it is not %s (no %s symbol)", path, kind,
             symbol);
    dlclose(opened);
    return RP_ABI_MISMATCH;
  }
  *library = opened;
  *address = found;
  return RP_OK;
}

rp_status rp_plugin_open(const char *path, rp_plugin_handle *plugin, char *error,
                         size_t error_capacity) {
  void *library;
  get_descriptor_fn get_descriptor;
  const rp_plugin_descriptor *api;
  rp_status status;

  if (path == NULL || plugin == NULL) {
    snprintf(error, error_capacity, "rp_plugin_open: path and plugin must not be NULL");
    return RP_INVALID_ARGUMENT;
  }
  /* ISO C forbids converting void * to a function pointer; POSIX guarantees it works for dlsym. */
  status = rp_library_open(path, "rp_plugin_get_descriptor", "a rustplugin plugin", &library,
                        (void **)&get_descriptor, error, error_capacity);
  if (status != RP_OK) {
    return status;
  }
  api = get_descriptor();
  if (rp_plugin_check_descriptor(api) != RP_OK) {
    if (api == NULL) {
      snprintf(error, error_capacity, "cannot use %s: rp_plugin_get_descriptor returned NULL", path);
    } else {
      snprintf(error, error_capacity,
               "cannot use %s: plugin ABI %u.%u (descriptor of %zu bytes) is incompatible with this "
               "host's ABI %u.%u (%zu bytes); rebuild the plugin or the host against the same "
               "rustplugin.h major version",
               path, (unsigned)api->abi_version_major, (unsigned)api->abi_version_minor,
               api->struct_size, (unsigned)RP_ABI_VERSION_MAJOR, (unsigned)RP_ABI_VERSION_MINOR,
               sizeof(rp_plugin_descriptor));
    }
    dlclose(library);
    return RP_ABI_MISMATCH;
  }
  plugin->library = library;
  plugin->api = api;
  return RP_OK;
}

void rp_plugin_close(rp_plugin_handle *plugin) {
  if (plugin == NULL) {
    return;
  }
  if (plugin->library != NULL) {
    dlclose(plugin->library);
  }
  plugin->library = NULL;
  plugin->api = NULL;
}
