/* The header's static inline helpers, as functions the server can call. */
#include "rp_loader.h"

int rps_http_plugin_serves(const rp_http_plugin_descriptor *descriptor);

int rps_http_plugin_serves(const rp_http_plugin_descriptor *descriptor) {
  return rp_http_plugin_serves(descriptor);
}
