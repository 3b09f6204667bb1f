/*
 * fake_plugin: shared libraries that look like a plugin but must be refused by every loader.
 *   -DFAKE_ABI_MAJOR=N  exports rp_plugin_get_descriptor and rp_http_plugin_get_descriptor with ABI
 *                       major N (a wrong version)
 *   -DIMPORTS_DESCRIPTOR  calls rp_http_plugin_get_descriptor without defining it (an undefined
 *                       symbol of that name, which is not an export)
 *   (no define)         exports no descriptor at all (a shared library that is not a plugin)
 * Each has a constructor that creates the file named by $RP_FAKE_PLUGIN_MARKER (or by the macro
 * MARKER_FILE, for tests that cannot set the environment): the tests check that a refused library
 * never ran, and that one which passes the symbol check does run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rp_http_plugin.h"
#include "rustplugin.h"

__attribute__((constructor)) static void leave_a_marker(void) {
#ifdef MARKER_FILE
  const char *marker = MARKER_FILE;
#else
  const char *marker = getenv("RP_FAKE_PLUGIN_MARKER");
#endif
  FILE *file = marker != NULL ? fopen(marker, "w") : NULL;
  if (file != NULL) {
    fclose(file);
  }
}

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
#elif defined(IMPORTS_DESCRIPTOR)
int calls_a_descriptor(void) { return rp_http_plugin_get_descriptor() != NULL; }
#else
int not_a_plugin(void) { return 42; }
#endif
