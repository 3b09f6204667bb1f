/*
 * installed_app: a program written as a new user would, against the installed header and
 * pkg-config files only. scripts/test-install.sh links it statically and dynamically and runs it.
 * It feeds every function bad input and checks each gets a status and a message, not a crash.
 */
#include <stdio.h>
#include <string.h>

#include <rustplugin.h>

static int passes;
static int failures;

static void expect(const char *what, rp_status got, rp_status want) {
  if (got != want) {
    failures++;
    fprintf(stderr, "FAIL %s: %s, expected %s\n", what, rp_status_name(got), rp_status_name(want));
    return;
  }
  passes++;
  if (got != RP_OK) {
    printf("%-34s -> %-20s %s\n", what, rp_status_name(got), rp_last_error_message());
  }
}

int main(int argc, char **argv) {
  rp_user_manager *users = NULL;
  const rp_user *user = NULL;
  const rp_user *found[4];
  rp_str_list groups;
  rp_str bad_utf8 = rp_cstr("\xff\xfe");
  rp_str null_with_length = {NULL, 3};
  size_t count = 0;
  const char *data = argc > 1 ? argv[1] : "users.json";

  printf("rustplugin %s (header %s), Add(1,2) = %lld\n", rp_version(), RP_VERSION, (long long)Add(1, 2));
  expect("new_from_file(data)", rp_user_manager_new_from_file(rp_cstr(data), &users), RP_OK);
  expect("get_user(einstein)", rp_user_manager_get_user(users, rp_cstr("einstein"), rp_cstr(""), &user), RP_OK);
  if (user != NULL) printf("einstein is %.*s\n", RP_STR_PRINTF(user->display_name));

  expect("new_from_file(missing)", rp_user_manager_new_from_file(rp_cstr("/no/such/file.json"), &users), RP_IO);
  expect("new_from_json(corrupt)", rp_user_manager_new_from_json(rp_cstr("[{"), &users), RP_PARSE);
  expect("new_demo(NULL)", rp_user_manager_new_demo(NULL), RP_INVALID_ARGUMENT);
  expect("get_user(NULL manager)", rp_user_manager_get_user(NULL, rp_cstr("x"), rp_cstr(""), &user),
         RP_INVALID_ARGUMENT);
  expect("get_user(NULL out)", rp_user_manager_get_user(users, rp_cstr("x"), rp_cstr(""), NULL),
         RP_INVALID_ARGUMENT);
  expect("get_user(NULL ptr, len 3)", rp_user_manager_get_user(users, null_with_length, rp_cstr(""), &user),
         RP_INVALID_ARGUMENT);
  expect("get_user(invalid UTF-8)", rp_user_manager_get_user(users, bad_utf8, rp_cstr(""), &user),
         RP_INVALID_UTF8);
  expect("get_user(nobody)", rp_user_manager_get_user(users, rp_cstr("nobody"), rp_cstr(""), &user),
         RP_NOT_FOUND);
  expect("get_user_by_claim(phone)",
         rp_user_manager_get_user_by_claim(users, rp_cstr("phone"), rp_cstr("1"), &user), RP_UNKNOWN_CLAIM);
  expect("get_user_groups(invalid UTF-8)",
         rp_user_manager_get_user_groups(users, rp_cstr("x"), bad_utf8, &groups), RP_INVALID_UTF8);
  expect("find_users(buffer of 1)", rp_user_manager_find_users(users, rp_cstr("e"), found, 1, &count),
         RP_BUFFER_TOO_SMALL);
  expect("find_users(NULL count)", rp_user_manager_find_users(users, rp_cstr("e"), found, 4, NULL),
         RP_INVALID_ARGUMENT);
  rp_user_manager_free(users);
  rp_user_manager_free(NULL);
  printf("installed_app: %d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
