
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
 * The size of a 1.0 descriptor, which ends before `serve`: a 1.1 host still runs 1.0 plugins.
 */
#define RP_HTTP_DESCRIPTOR_SIZE_1_0 offsetof(rp_http_plugin_descriptor, serve)

/**
 * Checks a plugin's descriptor against the ABI this header describes: RP_OK when the host may use
 * it (same major version, and a descriptor as large as its minor version needs: 1.0 plugins are
 * accepted); RP_ABI_MISMATCH otherwise; RP_INVALID_ARGUMENT when `descriptor` is NULL.
 */
static inline rp_status rp_http_plugin_check_descriptor(const rp_http_plugin_descriptor *descriptor) {
  if (descriptor == NULL) {
    return RP_INVALID_ARGUMENT;
  }
  if (descriptor->abi_version_major != RP_HTTP_ABI_VERSION_MAJOR ||
      descriptor->struct_size < (descriptor->abi_version_minor >= 1 ? sizeof(rp_http_plugin_descriptor)
                                                                    : RP_HTTP_DESCRIPTOR_SIZE_1_0)) {
    return RP_ABI_MISMATCH;
  }
  return RP_OK;
}

/**
 * Whether a checked descriptor has `serve` and `release_response` (ABI 1.1 and later): 1 to serve
 * requests in one call, 0 to serve them through `handle` and the callbacks.
 */
static inline int rp_http_plugin_serves(const rp_http_plugin_descriptor *descriptor) {
  return descriptor->abi_version_minor >= 1 &&
         descriptor->struct_size >= sizeof(rp_http_plugin_descriptor) &&
         descriptor->serve != NULL && descriptor->release_response != NULL;
}

#endif /* RP_HTTP_PLUGIN_HELPERS_H */
