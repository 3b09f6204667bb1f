
/* Helpers compiled into the caller (not part of the library's ABI). */
#ifndef RUSTPLUGIN_HELPERS_H
#define RUSTPLUGIN_HELPERS_H

/**
 * Checks a plugin descriptor against the ABI this header describes: RP_OK when the plugin may
 * be used, RP_ABI_MISMATCH when its major version differs, its minor version is older, or its
 * descriptor is smaller than this header's; RP_INVALID_ARGUMENT when `descriptor` is NULL.
 */
static inline rp_status rp_plugin_check_descriptor(const rp_plugin_descriptor *descriptor) {
  const uint32_t required_minor = RP_ABI_VERSION_MINOR;
  if (descriptor == NULL) {
    return RP_INVALID_ARGUMENT;
  }
  if (descriptor->abi_version_major != RP_ABI_VERSION_MAJOR ||
      descriptor->abi_version_minor < required_minor ||
      descriptor->struct_size < sizeof(rp_plugin_descriptor)) {
    return RP_ABI_MISMATCH;
  }
  return RP_OK;
}

#endif /* RUSTPLUGIN_HELPERS_H */
