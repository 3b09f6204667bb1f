/*
 * fake_plugin: shared libraries that look like a plugin but must be refused by every loader.
 *   -DFAKE_ABI_MAJOR=N  exports rp_plugin_get_descriptor and rp_http_plugin_get_descriptor with ABI
 *                       major N (a wrong version)
 *   (no define)         exports no descriptor at all (a shared library that is not a plugin)
 */
#include "rp_http_plugin.h"
#include "rustplugin.h"

#ifdef FAKE_ABI_MAJOR
static const rp_plugin_descriptor descriptor = {
    .abi_version_major = FAKE_ABI_MAJOR,
    .abi_version_minor = 0,
    .struct_size = sizeof(rp_plugin_descriptor),
    .library_version = "fake",
};

const rp_plugin_descriptor *rp_plugin_get_descriptor(void) { return &descriptor; }

static const rp_http_plugin_descriptor http_descriptor = {
    .abi_version_major = FAKE_ABI_MAJOR,
    .abi_version_minor = 0,
    .struct_size = sizeof(rp_http_plugin_descriptor),
    .plugin_name = "fake",
    .plugin_version = "0.0.0",
};

const rp_http_plugin_descriptor *rp_http_plugin_get_descriptor(void) { return &http_descriptor; }
#else
int not_a_plugin(void) { return 42; }
#endif
