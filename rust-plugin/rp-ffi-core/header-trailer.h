
/* Helpers compiled into the caller (not part of any library's ABI); cbindgen writes them after the include guard, hence their own. */
#ifndef RP_COMMON_HELPERS_H
#define RP_COMMON_HELPERS_H

/** A view of the NUL-terminated string `s` (NULL gives the empty view); `s` is not copied. */
static inline rp_str rp_cstr(const char *s) {
  rp_str view;
  view.ptr = s;
  view.len = s != NULL ? strlen(s) : 0;
  return view;
}

/** printf arguments for an rp_str: printf("%.*s\n", RP_STR_PRINTF(user->username)). */
#define RP_STR_PRINTF(s) (int)(s).len, (s).ptr
/* rp_status_str */

#endif /* RP_COMMON_HELPERS_H */
