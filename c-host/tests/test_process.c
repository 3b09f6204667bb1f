/* test_process: the C client of rp_process.h against rp-plugin-server. The user manager answers
 * out of process; the faulty HTTP plugin segfaults and aborts there while this host keeps going;
 * a call past its deadline gets RP_DEADLINE; bad arguments get a status.
 *
 * Usage: test_process RUST_LIB_DIR (holding rp-plugin-server, librustplugin.so and
 * libfaulty_plugin.so). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_STATUS_NAME rp_status_str
#define CHECK_LAST_ERROR rp_process_last_error_message()
#include "check.h"
#include "rp_process.h"

#define SECOND 1000000000ull

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  snprintf(path, n, "%s/%s", dir, name);
  return path;
}

/* Whether the `len` bytes at `data` contain `needle` (memmem is a GNU extension). */
static int contains(const uint8_t *data, size_t len, const char *needle) {
  size_t n = strlen(needle), i;
  for (i = 0; i + n <= len; i++) {
    if (memcmp(data + i, needle, n) == 0) return 1;
  }
  return 0;
}

static rp_process_client *start(const char *dir, const char *plugin, uint32_t kind) {
  char *server = join(dir, "rp-plugin-server"), *library = join(dir, plugin);
  rp_process_options options;
  rp_process_client *client = NULL;
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options;
  options.server_path = rp_cstr(server);
  options.plugin_path = rp_cstr(library);
  options.kind = kind;
  options.hang_grace_ms = 50;
  CHECK_STATUS(rp_process_start(&options, &client), RP_OK);
  free(server);
  free(library);
  return client;
}

/* GetUser's request: two strings, each a little-endian uint32 length, then the bytes. */
static size_t get_user_request(const char *id, uint8_t *out) {
  uint32_t lengths[2] = {(uint32_t)strlen(id), 0};
  memcpy(out, lengths, sizeof lengths);
  memcpy(out + sizeof lengths, id, lengths[0]);
  return sizeof lengths + lengths[0];
}

/* An HTTP request (rp_http_plugin's layout) GET / with one header X-Fault: fault, or none. */
static size_t http_request(const char *fault, uint8_t *out) {
  uint32_t words[6];
  size_t n = 0, text;
  words[n++] = fault ? 1 : 0;
  words[n++] = 3;
  words[n++] = 1;
  if (fault) {
    words[n++] = 7;
    words[n++] = (uint32_t)strlen(fault);
  }
  words[n++] = 0;
  memcpy(out, words, n * sizeof words[0]);
  text = n * sizeof words[0];
  memcpy(out + text, "GET/", 4);
  text += 4;
  if (fault) {
    memcpy(out + text, "X-Fault", 7);
    memcpy(out + text + 7, fault, strlen(fault));
    text += 7 + strlen(fault);
  }
  return text;
}

static void test_user_manager(const char *dir) {
  uint8_t request[64];
  rp_process_reply reply;
  rp_str name, version;
  rp_process_client *client = start(dir, "librustplugin.so", RP_PROCESS_KIND_USER_MANAGER);
  if (client == NULL) return;
  CHECK_STATUS(rp_process_plugin(client, &name, &version), RP_OK);
  CHECK(name.len == strlen("rustplugin") && memcmp(name.ptr, "rustplugin", name.len) == 0);

  CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_GET_USER, request,
                               get_user_request("einstein", request), SECOND, &reply),
               RP_OK);
  CHECK(reply.len > 4 && contains(reply.data, reply.len, "Albert Einstein"));
  rp_process_reply_release(&reply);
  rp_process_reply_release(&reply); /* released twice: a no-op */

  CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_GET_USER, request,
                               get_user_request("nobody", request), SECOND, &reply),
               RP_NOT_FOUND);
  CHECK(reply.len > 0 && contains(reply.data, reply.len, "nobody"));
  rp_process_reply_release(&reply);

  CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_GET_USER, NULL, 8, SECOND, &reply),
               RP_INVALID_ARGUMENT);
  rp_process_reply_release(&reply);
  CHECK_STATUS(rp_process_call(NULL, RP_PROCESS_OP_ADD, NULL, 0, SECOND, &reply),
               RP_INVALID_ARGUMENT);
  rp_process_reply_release(&reply);
  CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_USER_COUNT, NULL, 0, SECOND, NULL), RP_OK);
  CHECK(rp_process_restarts(client) == 0);
  rp_process_free(client);
  rp_process_free(NULL);
  rp_process_reply_release(NULL);
}

static void test_faults(const char *dir) {
  static const char *const fatal[] = {"segfault", "abort", "stack-overflow"};
  uint8_t request[64];
  rp_process_reply reply;
  size_t i;
  rp_process_client *client = start(dir, "libfaulty_plugin.so", RP_PROCESS_KIND_HTTP);
  if (client == NULL) return;
  for (i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
    CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_HTTP_SERVE, request,
                                 http_request(fatal[i], request), 5 * SECOND, &reply),
                 RP_PROCESS_DIED);
    printf("%s: %.*s\n", fatal[i], (int)reply.len, (const char *)reply.data);
    rp_process_reply_release(&reply);
    CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_HTTP_SERVE, request,
                                 http_request(NULL, request), 5 * SECOND, &reply),
                 RP_OK);
    rp_process_reply_release(&reply);
  }
  CHECK(rp_process_restarts(client) == 3);
  CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_HTTP_SERVE, request,
                               http_request("loop", request), SECOND / 20, &reply),
               RP_DEADLINE);
  rp_process_reply_release(&reply);
  CHECK_STATUS(rp_process_call(client, RP_PROCESS_OP_HTTP_SERVE, request,
                               http_request(NULL, request), 5 * SECOND, &reply),
               RP_OK);
  rp_process_reply_release(&reply);
  rp_process_free(client);
}

static void test_refusals(const char *dir) {
  rp_process_options options;
  rp_process_client *client = NULL;
  CHECK_STATUS(rp_process_start(NULL, &client), RP_INVALID_ARGUMENT);
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options - 1;
  CHECK_STATUS(rp_process_start(&options, &client), RP_INVALID_ARGUMENT);
  options.struct_size = sizeof options;
  options.kind = 77;
  CHECK_STATUS(rp_process_start(&options, &client), RP_INVALID_ARGUMENT);
  options.kind = RP_PROCESS_KIND_HTTP;
  options.server_path = rp_cstr("/nonexistent/rp-plugin-server");
  options.plugin_path = rp_cstr(dir);
  CHECK_STATUS(rp_process_start(&options, &client), RP_UNAVAILABLE);
  CHECK(strstr(rp_process_last_error_message(), "/nonexistent/rp-plugin-server") != NULL);
  CHECK(client == NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s RUST_LIB_DIR\n", argv[0]);
    return 2;
  }
  test_user_manager(argv[1]);
  test_faults(argv[1]);
  test_refusals(argv[1]);
  return check_report("test_process");
}
