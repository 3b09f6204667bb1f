/*
 * test_http_plugins: a C host drives the Rust HTTP plugins through their whole lifecycle, the C
 * side of what the Go gateway does: load (dlopen + descriptor check + create + init), handle,
 * close, unload, reload; two versions of the base64 crate loaded at once; contained panics; a
 * failing init never serving; wrong ABI, missing and non-plugin libraries refused, and files that
 * are not a plugin refused before any of their code runs. After every unload /proc/self/maps must
 * no longer map the library.
 *
 * usage: test_http_plugins RUST_LIB_DIR C_HOST_BUILD_DIR
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rp_http_plugin.h"

#define CHECK_STATUS_NAME rp_status_str
#define CHECK_LAST_ERROR "(see the plugin's message above)"
#include "check.h"
#include "rp_loader.h"

#define MAX_HEADERS 8
#define RELOAD_ROUNDS 20
#define THREADS 4
#define REQUESTS_PER_THREAD 200

/* ---- the host side: a request and a response, and the callbacks over them ---- */

struct rp_http_request {
  const char *method;
  const char *path;
  const char *header_names[MAX_HEADERS];
  const char *header_values[MAX_HEADERS];
  size_t header_count;
  const char *body;
};

struct rp_http_response {
  int status;
  char header_names[MAX_HEADERS][64];
  char header_values[MAX_HEADERS][128];
  size_t header_count;
  char *body;
  size_t body_len;
};

static rp_status get_method(const rp_http_request *request, rp_str *method) {
  if (request == NULL || method == NULL) return RP_INVALID_ARGUMENT;
  *method = rp_cstr(request->method);
  return RP_OK;
}

static rp_status get_path(const rp_http_request *request, rp_str *path) {
  if (request == NULL || path == NULL) return RP_INVALID_ARGUMENT;
  *path = rp_cstr(request->path);
  return RP_OK;
}

static rp_status get_header(const rp_http_request *request, rp_str name, rp_str *value) {
  size_t i;
  if (request == NULL || value == NULL || (name.ptr == NULL && name.len != 0)) return RP_INVALID_ARGUMENT;
  for (i = 0; i < request->header_count; i++) {
    if (strlen(request->header_names[i]) == name.len &&
        strncasecmp(request->header_names[i], name.ptr, name.len) == 0) {
      *value = rp_cstr(request->header_values[i]);
      return RP_OK;
    }
  }
  return RP_NOT_FOUND;
}

static rp_status get_body(const rp_http_request *request, rp_str *body) {
  if (request == NULL || body == NULL) return RP_INVALID_ARGUMENT;
  *body = rp_cstr(request->body);
  return RP_OK;
}

static rp_status set_status(rp_http_response *response, int32_t code) {
  if (response == NULL || code < 100 || code > 999) return RP_INVALID_ARGUMENT;
  response->status = code;
  return RP_OK;
}

static rp_status set_header(rp_http_response *response, rp_str name, rp_str value) {
  size_t i;
  if (response == NULL || name.ptr == NULL || name.len == 0 || name.len >= 64 ||
      (value.ptr == NULL && value.len != 0) || value.len >= 128 ||
      memchr(value.ptr, '\n', value.len) != NULL || memchr(value.ptr, '\r', value.len) != NULL) {
    return RP_INVALID_ARGUMENT;
  }
  for (i = 0; i < response->header_count; i++) {
    if (strlen(response->header_names[i]) == name.len &&
        strncasecmp(response->header_names[i], name.ptr, name.len) == 0) {
      break;
    }
  }
  if (i == MAX_HEADERS) return RP_INVALID_ARGUMENT;
  if (i == response->header_count) response->header_count++;
  memcpy(response->header_names[i], name.ptr, name.len);
  response->header_names[i][name.len] = '\0';
  memcpy(response->header_values[i], value.ptr, value.len);
  response->header_values[i][value.len] = '\0';
  return RP_OK;
}

static rp_status set_body(rp_http_response *response, rp_str body) {
  char *copy;
  if (response == NULL || (body.ptr == NULL && body.len != 0)) return RP_INVALID_ARGUMENT;
  copy = malloc(body.len + 1);
  if (copy == NULL) return RP_INVALID_ARGUMENT;
  if (body.len != 0) memcpy(copy, body.ptr, body.len);
  copy[body.len] = '\0';
  free(response->body);
  response->body = copy;
  response->body_len = body.len;
  return RP_OK;
}

static const rp_http_host host = {sizeof(rp_http_host), get_method, get_path, get_header, get_body,
                                  set_status, set_header, set_body};

static const char *response_header(const rp_http_response *response, const char *name) {
  size_t i;
  for (i = 0; i < response->header_count; i++) {
    if (strcasecmp(response->header_names[i], name) == 0) return response->header_values[i];
  }
  return NULL;
}

/* Whether serve() uses `handle` and the callbacks even for plugins that have `serve` (ABI 1.0). */
static int force_callbacks;

/* Serves `request` through a 1.1 plugin's `serve`: one call, the response copied out with the
 * setters above (which check it as they check a 1.0 plugin's), then released. */
static rp_status serve_whole(const rp_http_plugin_handle *plugin, const rp_http_request *request,
                             rp_http_response *response) {
  rp_http_header headers[MAX_HEADERS];
  rp_http_request_data data;
  rp_http_response_data out;
  rp_status status;
  size_t i;
  for (i = 0; i < request->header_count; i++) {
    headers[i].name = rp_cstr(request->header_names[i]);
    headers[i].value = rp_cstr(request->header_values[i]);
  }
  data.method = rp_cstr(request->method);
  data.path = rp_cstr(request->path);
  data.headers = headers;
  data.header_count = request->header_count;
  data.body = rp_cstr(request->body);
  memset(&out, 0, sizeof out);
  status = plugin->api->serve(plugin->instance, &data, &out);
  if (status != RP_OK) {
    CHECK(out.plugin_data == NULL);
    return status;
  }
  CHECK_STATUS(set_status(response, out.status), RP_OK);
  for (i = 0; i < out.header_count; i++) {
    CHECK_STATUS(set_header(response, out.headers[i].name, out.headers[i].value), RP_OK);
  }
  CHECK_STATUS(set_body(response, out.body), RP_OK);
  plugin->api->release_response(plugin->instance, &out);
  CHECK(out.plugin_data == NULL && out.headers == NULL);
  plugin->api->release_response(plugin->instance, &out); /* a zeroed response: nothing to free */
  plugin->api->release_response(plugin->instance, NULL);
  return RP_OK;
}

/* Serves `request` with `plugin` into a fresh `*response` (release it with response_free): in one
 * call for a 1.1 plugin, through the callbacks for a 1.0 one (or when force_callbacks is set). */
static rp_status serve(const rp_http_plugin_handle *plugin, const rp_http_request *request,
                       rp_http_response *response) {
  memset(response, 0, sizeof *response);
  response->status = 200;
  if (rp_http_plugin_serves(plugin->api) && !force_callbacks) {
    return serve_whole(plugin, request, response);
  }
  return plugin->api->handle(plugin->instance, request, response);
}

static void response_free(rp_http_response *response) {
  free(response->body);
  response->body = NULL;
}

/* ---- the lifecycle ---- */

static char rust_lib[PATH_MAX];
static char c_build[PATH_MAX];

/* The absolute path of lib<name>.so in `dir` (as /proc/self/maps spells it). */
static const char *library(const char *dir, const char *name) {
  static char paths[4][PATH_MAX + 64];
  static int next;
  char *path = paths[next++ % 4];
  snprintf(path, PATH_MAX + 64, "%s/lib%s.so", dir, name);
  return path;
}

/* The message of the last refused load. */
static char last_load_error[512];

static rp_status load(const char *path, const char *config, rp_http_plugin_handle *plugin) {
  rp_status status = rp_http_plugin_load(path, &host, rp_cstr(config), plugin, last_load_error,
                                         sizeof last_load_error);
  if (status != RP_OK) printf("  refused (%s): %s\n", rp_status_str(status), last_load_error);
  return status;
}

static void unload(rp_http_plugin_handle *plugin) {
  char error[512];
  CHECK_STATUS(rp_http_plugin_unload(plugin, error, sizeof error), RP_OK);
}

static void test_echo_and_two_base64_versions(void) {
  rp_http_plugin_handle echo, legacy;
  rp_http_response response;
  rp_http_request request = {"POST", "/echo", {"content-type"}, {"text/plain"}, 1, "hello"};
  const char *echo_path = library(rust_lib, "echo_plugin");
  const char *legacy_path = library(rust_lib, "legacy_base64_plugin");

  CHECK_STATUS(load(echo_path, "from-c", &echo), RP_OK);
  CHECK_STATUS(load(legacy_path, "", &legacy), RP_OK);
  CHECK(path_is_mapped(echo_path) == 1 && path_is_mapped(legacy_path) == 1);
  CHECK(strcmp(echo.api->plugin_name, "echo-plugin") == 0);
  CHECK(strcmp(legacy.api->plugin_name, "legacy-base64-plugin") == 0);

  CHECK_STATUS(serve(&echo, &request, &response), RP_OK);
  CHECK(response.status == 200 && response.body_len == 5 && strcmp(response.body, "hello") == 0);
  CHECK(response_header(&response, "Content-Type") != NULL &&
        strcmp(response_header(&response, "Content-Type"), "text/plain") == 0);
  CHECK(response_header(&response, "X-Echo-Config") != NULL &&
        strcmp(response_header(&response, "X-Echo-Config"), "from-c") == 0);
  CHECK(response_header(&response, "X-Plugin") != NULL &&
        strncmp(response_header(&response, "X-Plugin"), "echo-plugin/", 12) == 0);
  response_free(&response);

  /* base64 0.23 in the echo plugin and 0.13 in the legacy one, both loaded: the same answer. */
  request.header_names[1] = "X-Echo-Encoding";
  request.header_values[1] = "base64";
  request.header_count = 2;
  CHECK_STATUS(serve(&echo, &request, &response), RP_OK);
  CHECK(response.body != NULL && strcmp(response.body, "aGVsbG8=") == 0);
  response_free(&response);
  CHECK_STATUS(serve(&legacy, &request, &response), RP_OK);
  CHECK(response.body != NULL && strcmp(response.body, "aGVsbG8=") == 0);
  CHECK(response_header(&response, "X-Base64-Crate") != NULL &&
        strcmp(response_header(&response, "X-Base64-Crate"), "0.13") == 0);
  response_free(&response);

  /* A handler error is a status and a message, not a crash. */
  request.header_values[1] = "rot13";
  CHECK_STATUS(serve(&echo, &request, &response), RP_PLUGIN_FAILED);
  CHECK(strstr(echo.api->last_error_message(), "unknown X-Echo-Encoding \"rot13\"") != NULL);
  response_free(&response);

  unload(&echo);
  unload(&legacy);
  CHECK(path_is_mapped(echo_path) == 0 && path_is_mapped(legacy_path) == 0);
  printf("echo (base64 0.23) and legacy-base64 (base64 0.13) served side by side, then unloaded\n");
}

/* A plugin written in C against the same header goes through the same lifecycle. */
static void test_plugin_written_in_c(void) {
  rp_http_plugin_handle hello;
  rp_http_response response;
  rp_http_request request = {"GET", "/", {"x-name"}, {"C host"}, 1, ""};
  const char *path = library(c_build, "hello-c");
  CHECK_STATUS(load(path, "", &hello), RP_OK);
  CHECK(strcmp(hello.api->plugin_name, "hello-c") == 0);
  CHECK(hello.api->abi_version_minor == 0 && !rp_http_plugin_serves(hello.api)); /* a 1.0 plugin */
  CHECK_STATUS(serve(&hello, &request, &response), RP_OK);
  CHECK(response.body != NULL && strcmp(response.body, "hello, C host") == 0);
  response_free(&response);
  request.header_count = 0;
  CHECK_STATUS(serve(&hello, &request, &response), RP_OK);
  CHECK(response.body != NULL && strcmp(response.body, "hello, world") == 0);
  response_free(&response);
  unload(&hello);
  CHECK(path_is_mapped(path) == 0);
  printf("hello-c (a plugin written in C against ABI 1.0) served through the callbacks, unloaded\n");
}

static void *serve_faulty(void *plugin) {
  rp_http_request panics = {"GET", "/", {"X-Fault"}, {"panic"}, 1, ""};
  rp_http_request fine = {"GET", "/", {"X-Other"}, {"x"}, 1, ""};
  rp_http_response response;
  size_t wrong = 0;
  int i;
  for (i = 0; i < REQUESTS_PER_THREAD; i++) {
    wrong += serve(plugin, &panics, &response) != RP_PANIC;
    response_free(&response);
    wrong += serve(plugin, &fine, &response) != RP_OK || response.body == NULL ||
             strcmp(response.body, "ok") != 0;
    response_free(&response);
  }
  return (void *)wrong;
}

static void test_faults(void) {
  rp_http_plugin_handle faulty;
  rp_http_response response;
  rp_http_request request = {"GET", "/", {"X-Fault"}, {"panic"}, 1, ""};
  const char *path = library(rust_lib, "faulty_plugin");
  pthread_t threads[THREADS];
  void *wrong;
  size_t total_wrong = 0;
  int i;

  CHECK_STATUS(load(path, "fail-init", &faulty), RP_PLUGIN_FAILED);
  CHECK(path_is_mapped(path) == 0);
  CHECK_STATUS(load(path, "panic-init", &faulty), RP_PANIC);
  CHECK(path_is_mapped(path) == 0);

  CHECK_STATUS(load(path, "", &faulty), RP_OK);
  CHECK_STATUS(serve(&faulty, &request, &response), RP_PANIC);
  CHECK(strncmp(faulty.api->last_error_message(), "the plugin panicked (contained) at ", 35) == 0);
  CHECK(strstr(faulty.api->last_error_message(), "rust-plugin/plugins/faulty-plugin/src/lib.rs:") != NULL);
  CHECK(strstr(faulty.api->last_error_message(), ": the handler was asked to panic") != NULL);
  response_free(&response);
  request.header_values[0] = "error";
  CHECK_STATUS(serve(&faulty, &request, &response), RP_PLUGIN_FAILED);
  response_free(&response);
  for (i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, serve_faulty, &faulty) == 0);
  for (i = 0; i < THREADS; i++) {
    CHECK(pthread_join(threads[i], &wrong) == 0);
    total_wrong += (size_t)wrong;
  }
  CHECK(total_wrong == 0);
  unload(&faulty);
  /* Panics ran on this thread and on THREADS others: nothing of them may pin the library. */
  CHECK(path_is_mapped(path) == 0);
  printf("faulty: init failures never served; %d panics on %d threads contained, %zu wrong answers; "
         "unloaded\n", THREADS * REQUESTS_PER_THREAD + 1, THREADS + 1, total_wrong);
}

static void test_reload(void) {
  rp_http_plugin_handle current, next;
  rp_http_response response;
  rp_http_request request = {"POST", "/", {"X-Any"}, {"1"}, 1, "round"};
  const char *echo_path = library(rust_lib, "echo_plugin");
  const char *legacy_path = library(rust_lib, "legacy_base64_plugin");
  int round, pinned = 0;

  CHECK_STATUS(load(echo_path, "", &current), RP_OK);
  for (round = 0; round < RELOAD_ROUNDS; round++) {
    /* The next version is loaded and checked while the current one still serves. */
    const char *next_path = round % 2 == 0 ? legacy_path : echo_path;
    const char *old_path = round % 2 == 0 ? echo_path : legacy_path;
    if (load(next_path, "", &next) != RP_OK) {
      checks_failed++;
      break;
    }
    CHECK_STATUS(serve(&current, &request, &response), RP_OK);
    response_free(&response);
    unload(&current);
    current = next;
    pinned += path_is_mapped(old_path) != 0;
    CHECK_STATUS(serve(&current, &request, &response), RP_OK);
    CHECK(response.body != NULL &&
          strcmp(response.body, round % 2 == 0 ? "cm91bmQ=" : "round") == 0);
    response_free(&response);
  }
  unload(&current);
  CHECK(pinned == 0 && path_is_mapped(echo_path) == 0 && path_is_mapped(legacy_path) == 0);
  printf("reload: %d swaps between echo and legacy-base64, old library mapped after unload in %d\n",
         round, pinned);
}

/* Whether a refused library ran: its constructor creates `marker` (see fake_plugin.c). */
static int ran(const char *name, const char *marker) {
  rp_http_plugin_handle plugin;
  setenv("RP_FAKE_PLUGIN_MARKER", marker, 1);
  CHECK_STATUS(load(library(c_build, name), "", &plugin), RP_ABI_MISMATCH);
  unsetenv("RP_FAKE_PLUGIN_MARKER");
  return access(marker, F_OK) == 0;
}

/* A copy of `source` at `target`, cut to `length` bytes (all of it when 0), with the 16-bit
 * e_machine field (at byte 18 of the ELF header) set to `machine` unless it is 0. */
static void copy_elf(const char *source, const char *target, long length, unsigned machine) {
  FILE *in = fopen(source, "rb");
  FILE *out = fopen(target, "wb");
  long i;
  int c;
  CHECK(in != NULL && out != NULL);
  for (i = 0; (length == 0 || i < length) && (c = fgetc(in)) != EOF; i++) {
    if (machine != 0 && (i == 18 || i == 19)) {
      c = (int)((machine >> (8 * (i - 18))) & 0xff);
    }
    fputc(c, out);
  }
  fclose(in);
  fclose(out);
}

/* Files that are refused before anything of them is loaded or run: the loader reads them (never
 * blocking), checks the ELF header and the dynamic symbols, and only then calls dlopen. */
static void test_refused_before_loading(void) {
  char scratch[] = "/tmp/rp-refused-XXXXXX";
  char path[PATH_MAX + 32];
  char marker[PATH_MAX + 32];
  rp_http_plugin_handle plugin;
  int fd;
  CHECK(mkdtemp(scratch) != NULL);

  snprintf(marker, sizeof marker, "%s/marker-not-a-plugin", scratch);
  CHECK(!ran("not-a-plugin", marker));
  snprintf(marker, sizeof marker, "%s/marker-imports-descriptor", scratch);
  CHECK(!ran("imports-descriptor", marker));
  /* The control: a library exporting the descriptor passes the check, so its constructor runs
   * before its ABI version can be read and refused (why plugin directories must be trusted). */
  snprintf(marker, sizeof marker, "%s/marker-abi99", scratch);
  CHECK(ran("fake-abi99", marker));

  snprintf(path, sizeof path, "%s/users.fifo", scratch);
  CHECK(mkfifo(path, 0600) == 0);
  CHECK_STATUS(load(path, "", &plugin), RP_NOT_A_FILE);
  CHECK_STATUS(load("/dev/zero", "", &plugin), RP_NOT_A_FILE);
  CHECK_STATUS(load(scratch, "", &plugin), RP_NOT_A_FILE);

  snprintf(path, sizeof path, "%s/huge.so", scratch);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0 && ftruncate(fd, (off_t)RP_LOADER_MAX_LIBRARY_BYTES + 1) == 0);
  close(fd);
  CHECK_STATUS(load(path, "", &plugin), RP_TOO_LARGE);

  snprintf(path, sizeof path, "%s/truncated.so", scratch);
  copy_elf(library(rust_lib, "echo_plugin"), path, 4096, 0);
  CHECK_STATUS(load(path, "", &plugin), RP_ABI_MISMATCH);
  snprintf(path, sizeof path, "%s/aarch64.so", scratch);
  copy_elf(library(rust_lib, "echo_plugin"), path, 0, 183 /* EM_AARCH64 */);
  CHECK_STATUS(load(path, "", &plugin), RP_ABI_MISMATCH);
  CHECK(strstr(last_load_error, "for another machine") != NULL);
  snprintf(path, sizeof path, "%s/text.so", scratch);
  copy_elf("/etc/hostname", path, 0, 0);
  CHECK_STATUS(load(path, "", &plugin), RP_ABI_MISMATCH);
  CHECK(strstr(last_load_error, "not an ELF file") != NULL);
  printf("refused before loading: no descriptor, an imported descriptor (neither ran), a FIFO,\n"
         "  /dev/zero, a directory, %llu bytes, a truncated ELF, another machine, a text file\n",
         (unsigned long long)RP_LOADER_MAX_LIBRARY_BYTES + 1);
  snprintf(path, sizeof path, "rm -rf '%s'", scratch);
  CHECK(system(path) == 0);
}

static void test_refusals(void) {
  rp_http_plugin_handle plugin;
  char error[512];
  rp_http_host no_body = host;
  rp_http_host small = host;
  rp_http_plugin *instance = NULL;
  rp_http_plugin_handle echo;
  rp_http_response response;
  rp_http_request request = {"GET", "/", {"X"}, {"1"}, 1, ""};

  CHECK_STATUS(load(library(c_build, "fake-abi99"), "", &plugin), RP_ABI_MISMATCH);
  CHECK_STATUS(load(library(c_build, "not-a-plugin"), "", &plugin), RP_ABI_MISMATCH);
  CHECK_STATUS(load(library(c_build, "missing"), "", &plugin), RP_IO);
  CHECK_STATUS(rp_http_plugin_load(NULL, &host, rp_cstr(""), &plugin, error, sizeof error),
               RP_INVALID_ARGUMENT);

  /* The plugin's own checks: a host table that is too small or has a NULL callback, calls out of
   * order, invalid UTF-8 in the configuration. */
  CHECK_STATUS(load(library(rust_lib, "echo_plugin"), "", &echo), RP_OK);
  no_body.set_body = NULL;
  CHECK_STATUS(echo.api->create(&no_body, &instance), RP_INVALID_ARGUMENT);
  CHECK(instance == NULL && strstr(echo.api->last_error_message(), "set_body") != NULL);
  small.struct_size = sizeof(rp_http_host) - sizeof(void *);
  CHECK_STATUS(echo.api->create(&small, &instance), RP_INVALID_ARGUMENT);
  CHECK_STATUS(echo.api->create(NULL, &instance), RP_INVALID_ARGUMENT);
  CHECK_STATUS(echo.api->create(&host, NULL), RP_INVALID_ARGUMENT);
  CHECK_STATUS(echo.api->create(&host, &instance), RP_OK);
  memset(&response, 0, sizeof response);
  CHECK_STATUS(echo.api->handle(instance, &request, &response), RP_INVALID_ARGUMENT);
  CHECK(strstr(echo.api->last_error_message(), "before a successful init") != NULL);
  CHECK_STATUS(echo.api->close(instance), RP_INVALID_ARGUMENT);
  {
    rp_str bad_config = {"\xff", 1};
    CHECK_STATUS(echo.api->init(instance, bad_config), RP_INVALID_UTF8);
  }
  CHECK_STATUS(echo.api->init(instance, rp_cstr("")), RP_OK);
  CHECK_STATUS(echo.api->init(instance, rp_cstr("")), RP_INVALID_ARGUMENT);
  CHECK_STATUS(echo.api->handle(instance, NULL, &response), RP_INVALID_ARGUMENT);
  CHECK_STATUS(echo.api->handle(NULL, &request, &response), RP_INVALID_ARGUMENT);
  {
    /* serve's own checks: NULL pointers, headers NULL with a count, a header HTTP/1.1 cannot send. */
    rp_http_header bad_type = {{"Content-Type", 12}, {"text/plain\r\nX-Injected: 1", 25}};
    rp_http_request_data data = {{"GET", 3}, {"/", 1}, NULL, 1, {"", 0}};
    rp_http_response_data out;
    memset(&out, 0, sizeof out);
    CHECK_STATUS(echo.api->serve(instance, NULL, &out), RP_INVALID_ARGUMENT);
    CHECK_STATUS(echo.api->serve(instance, &data, NULL), RP_INVALID_ARGUMENT);
    CHECK_STATUS(echo.api->serve(NULL, &data, &out), RP_INVALID_ARGUMENT);
    CHECK_STATUS(echo.api->serve(instance, &data, &out), RP_INVALID_ARGUMENT);
    CHECK(strstr(echo.api->last_error_message(), "request.headers") != NULL);
    data.headers = &bad_type;
    CHECK_STATUS(echo.api->serve(instance, &data, &out), RP_INVALID_ARGUMENT);
    CHECK(strstr(echo.api->last_error_message(), "not a header HTTP/1.1 can send") != NULL);
    CHECK(out.plugin_data == NULL);
  }
  {
    /* The descriptor check: a 1.0 descriptor is accepted and has no serve; a 1.1 one as small as
     * 1.0's, or another major version, is refused. */
    rp_http_plugin_descriptor copy = *echo.api;
    CHECK_STATUS(rp_http_plugin_check_descriptor(&copy), RP_OK);
    CHECK(rp_http_plugin_serves(&copy));
    copy.struct_size = RP_HTTP_DESCRIPTOR_SIZE_1_0;
    CHECK_STATUS(rp_http_plugin_check_descriptor(&copy), RP_ABI_MISMATCH);
    copy.abi_version_minor = 0;
    CHECK_STATUS(rp_http_plugin_check_descriptor(&copy), RP_OK);
    CHECK(!rp_http_plugin_serves(&copy));
    copy.struct_size = RP_HTTP_DESCRIPTOR_SIZE_1_0 - 1;
    CHECK_STATUS(rp_http_plugin_check_descriptor(&copy), RP_ABI_MISMATCH);
    copy = *echo.api;
    copy.abi_version_major = 2;
    CHECK_STATUS(rp_http_plugin_check_descriptor(&copy), RP_ABI_MISMATCH);
    CHECK_STATUS(rp_http_plugin_check_descriptor(NULL), RP_INVALID_ARGUMENT);
  }
  CHECK_STATUS(echo.api->close(instance), RP_OK);
  CHECK_STATUS(echo.api->handle(instance, &request, &response), RP_INVALID_ARGUMENT);
  CHECK(strstr(echo.api->last_error_message(), "after close") != NULL);
  echo.api->destroy(instance);
  echo.api->destroy(NULL);
  response_free(&response);
  unload(&echo);
  printf("refused: wrong ABI, not a plugin, missing file, bad host tables, calls out of order\n");
}

int main(int argc, char **argv) {
  if (argc != 3 || realpath(argv[1], rust_lib) == NULL || realpath(argv[2], c_build) == NULL) {
    fprintf(stderr, "usage: %s RUST_LIB_DIR C_HOST_BUILD_DIR (existing directories)\n", argv[0]);
    return 2;
  }
  test_echo_and_two_base64_versions(); /* through serve (ABI 1.1) */
  force_callbacks = 1;
  test_echo_and_two_base64_versions(); /* the same plugins through handle and the callbacks (1.0) */
  test_faults();
  force_callbacks = 0;
  test_plugin_written_in_c();
  test_faults();
  test_reload();
  test_refusals();
  test_refused_before_loading();
  return check_report("test_http_plugins");
}
