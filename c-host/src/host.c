/*
 * host: the C99 demo host. One source, built three ways (see c-host/Makefile):
 *   host-static   linked with librustplugin.a
 *   host-dynamic  linked with -lrustplugin and an rpath to librustplugin.so
 *   host-dlopen   loads librustplugin.so at run time through the plugin descriptor
 * It prints Add(1,2) and looks up every demo user with each of the four UserManager methods.
 *
 * usage: host-static | host-dynamic          (built-in demo data)
 *        host-dlopen [PLUGIN.so]             (default: the path the build baked in)
 */
#include <stdio.h>
#include <stdlib.h>

#include "rustplugin.h"

#ifdef HOST_DLOPEN
#include "rp_loader.h"
static const rp_plugin_descriptor *api;
/* Calls go through the checked descriptor. */
#define CALL(name) (api->name)
#define ADD (api->add)
#define LINKAGE "dlopen"
#else
/* Calls go straight to the linked symbols. */
#define CALL(name) rp_##name
#define ADD Add
#ifdef HOST_STATIC
#define LINKAGE "static"
#else
#define LINKAGE "dynamic"
#endif
#endif

static int fail(const char *what, rp_status status) {
  fprintf(stderr, "host: %s failed: %s: %s\n", what, CALL(status_name)(status),
          CALL(last_error_message)());
  return 1;
}

static void print_user(const char *call, const rp_user *user) {
  printf("%s -> %.*s <%.*s> \"%.*s\" id=%.*s@%.*s uid=%.*s gid=%.*s\n", call,
         RP_STR_PRINTF(user->username), RP_STR_PRINTF(user->mail), RP_STR_PRINTF(user->display_name),
         RP_STR_PRINTF(user->opaque_id), RP_STR_PRINTF(user->idp), RP_STR_PRINTF(user->uid),
         RP_STR_PRINTF(user->gid));
}

/* Looks `demo` up again with each of the four methods and prints the answers. */
static int show_user(const rp_user_manager *manager, const rp_user *demo) {
  const rp_user *user = NULL;
  const rp_user *found[8];
  rp_str_list groups;
  size_t count = 0;
  size_t i;
  rp_status status;

  status = CALL(user_manager_get_user)(manager, demo->opaque_id, demo->idp, &user);
  if (status != RP_OK) return fail("GetUser", status);
  print_user("GetUser(opaque_id, idp)", user);

  status = CALL(user_manager_get_user_by_claim)(manager, rp_cstr("mail"), demo->mail, &user);
  if (status != RP_OK) return fail("GetUserByClaim", status);
  print_user("GetUserByClaim(mail)", user);

  status = CALL(user_manager_get_user_groups)(manager, demo->username, rp_cstr(""), &groups);
  if (status != RP_OK) return fail("GetUserGroups", status);
  printf("GetUserGroups(username) ->");
  for (i = 0; i < groups.len; i++) printf(" %.*s", RP_STR_PRINTF(groups.ptr[i]));
  printf("\n");

  status = CALL(user_manager_find_users)(manager, demo->username, found, 8, &count);
  if (status != RP_OK) return fail("FindUsers", status);
  printf("FindUsers(\"%.*s\") -> %zu:", RP_STR_PRINTF(demo->username), count);
  for (i = 0; i < count; i++) printf(" %.*s", RP_STR_PRINTF(found[i]->username));
  printf("\n\n");
  return 0;
}

int main(int argc, char **argv) {
  rp_user_manager *manager = NULL;
  const rp_user *everyone[8];
  size_t count = 0;
  size_t i;
  int failed = 0;
  rp_status status;
#ifdef HOST_DLOPEN
  rp_plugin_handle plugin;
  char error[512];
  const char *path = argc > 1 ? argv[1] : PLUGIN_DEFAULT_PATH;
  status = rp_plugin_open(path, &plugin, error, sizeof error);
  if (status != RP_OK) {
    fprintf(stderr, "host: %s\n", error);
    return 1;
  }
  api = plugin.api;
  fprintf(stderr, "host: loaded %s, rustplugin %s (ABI %u.%u)\n", path, api->library_version,
          (unsigned)api->abi_version_major, (unsigned)api->abi_version_minor);
#else
  (void)argc;
  (void)argv;
  fprintf(stderr, "host: linked %s with rustplugin %s (header %s)\n", LINKAGE, rp_version(),
          RP_VERSION);
#endif

  printf("Add(1,2) = %lld\n\n", (long long)ADD(1, 2));

  status = CALL(user_manager_new_demo)(&manager);
  if (status != RP_OK) return fail("creating the demo user manager", status);
  /* The empty query matches every user: the demo users, in file order. */
  status = CALL(user_manager_find_users)(manager, rp_cstr(""), everyone, 8, &count);
  if (status != RP_OK) {
    failed = fail("listing the demo users", status);
  }
  for (i = 0; i < count && !failed; i++) {
    failed = show_user(manager, everyone[i]);
  }
  CALL(user_manager_free)(manager);
#ifdef HOST_DLOPEN
  rp_plugin_close(&plugin);
#endif
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
