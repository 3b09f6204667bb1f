/* test_json_row: GetJsonRow from C (rp_json_row.h, generated from its definition alone): answers
 * that are views into the input, computed answers copied into the caller's buffer, the two-call
 * protocol of RP_BUFFER_TOO_SMALL, and a status (never a crash) for bad arguments. */
#include <stdlib.h>

#include "rp_json_row.h"

#define CHECK_STATUS_NAME rpj_status_name
#define CHECK_LAST_ERROR rpj_last_error_message()
#include "check.h"

static int equals(rp_str s, const char *text) {
  return s.ptr != NULL && s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

int main(void) {
  const char *json = "{\"name\":{\"first\":\"Tom\",\"last\":\"Anderson\"},\"children\":[\"Sara\",\"Alex\",\"Jack\"]}";
  rp_str input = rp_cstr(json);
  char buffer[64];
  rp_str row;

  /* A part of the input: a view into it, the buffer untouched. */
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("name.last"), NULL, 0, &row), RP_OK);
  CHECK(equals(row, "\"Anderson\""));
  CHECK(row.ptr >= json && row.ptr + row.len <= json + strlen(json));
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("children"), NULL, 0, &row), RP_OK);
  CHECK(equals(row, "[\"Sara\",\"Alex\",\"Jack\"]"));
  /* Nothing there: "" (a view, never NULL). */
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("nothing.here"), NULL, 0, &row), RP_OK);
  CHECK(row.ptr != NULL && row.len == 0);

  /* Computed (a count, a projection): into the buffer, or the length needed. */
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("children.#"), buffer, sizeof buffer, &row), RP_OK);
  CHECK(equals(row, "3") && row.ptr == buffer);
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("children|@reverse"), buffer, 4, &row), RP_BUFFER_TOO_SMALL);
  CHECK(row.ptr == NULL && row.len == strlen("[\"Jack\",\"Alex\",\"Sara\"]"));
  {
    char *large = malloc(row.len);
    CHECK_STATUS(rpj_get_json_row(input, rp_cstr("children|@reverse"), large, row.len, &row), RP_OK);
    CHECK(equals(row, "[\"Jack\",\"Alex\",\"Sara\"]") && row.ptr == large);
    free(large);
  }

  /* Bad arguments: statuses with messages; the out-param untouched. */
  row.ptr = json;
  row.len = 7;
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("name"), NULL, 0, NULL), RP_INVALID_ARGUMENT);
  CHECK_STATUS(rpj_get_json_row((rp_str){NULL, 3}, rp_cstr("a"), NULL, 0, &row), RP_INVALID_ARGUMENT);
  CHECK(row.ptr == json && row.len == 7);
  CHECK_STATUS(rpj_get_json_row(input, rp_cstr("a"), NULL, 5, &row), RP_INVALID_ARGUMENT);
  CHECK_STATUS(rpj_get_json_row(rp_cstr("{\"a\":\"\xff\"}"), rp_cstr("a"), NULL, 0, &row), RP_INVALID_UTF8);
  CHECK(strstr(rpj_last_error_message(), "`input`") != NULL);
  CHECK(row.ptr == json && row.len == 7);
  /* The empty input and the empty path are no errors. */
  CHECK_STATUS(rpj_get_json_row((rp_str){NULL, 0}, (rp_str){NULL, 0}, NULL, 0, &row), RP_OK);
  CHECK(row.len == 0);

  /* The descriptor a dlopen host checks. */
  {
    const rpj_json_row_descriptor *d = rpj_json_row_get_descriptor();
    CHECK(d->abi_version_major == RPJ_ABI_VERSION_MAJOR && d->abi_version_minor == RPJ_ABI_VERSION_MINOR);
    CHECK(d->struct_size == sizeof *d && d->get_json_row == rpj_get_json_row);
    CHECK(strcmp(d->library_version, RPJ_VERSION) == 0);
  }
  return check_report("test_json_row");
}
