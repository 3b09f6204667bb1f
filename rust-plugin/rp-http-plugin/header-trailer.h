
/* Declarations and helpers outside the ABI's types; cbindgen writes them after the include guard. */
#ifndef RP_HTTP_PLUGIN_HELPERS_H
#define RP_HTTP_PLUGIN_HELPERS_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The one function an HTTP plugin exports: its static descriptor, never NULL, valid while the
 * library is loaded. A host looks it up with dlsym(handle, "rp_http_plugin_get_descriptor") and
 * checks it with rp_http_plugin_check_descriptor() before calling anything through it.
 * Thread-safety: any thread.
 */
const rp_http_plugin_descriptor *rp_http_plugin_get_descriptor(void);

#ifdef __cplusplus
}
#endif

/**
 * Checks a plugin's descriptor against the ABI this header describes: RP_OK when the host may use
 * it; RP_ABI_MISMATCH when its major version differs, its minor version is older or its descriptor
 * is smaller than this header's; RP_INVALID_ARGUMENT when `descriptor` is NULL.
 */
static inline rp_status rp_http_plugin_check_descriptor(const rp_http_plugin_descriptor *descriptor) {
  const uint32_t required_minor = RP_HTTP_ABI_VERSION_MINOR;
  if (descriptor == NULL) {
    return RP_INVALID_ARGUMENT;
  }
  if (descriptor->abi_version_major != RP_HTTP_ABI_VERSION_MAJOR ||
      descriptor->abi_version_minor < required_minor ||
      descriptor->struct_size < sizeof(rp_http_plugin_descriptor)) {
    return RP_ABI_MISMATCH;
  }
  return RP_OK;
}

#endif /* RP_HTTP_PLUGIN_HELPERS_H */
