// How this binary calls the Rust plugin, by flavour: the linked symbols (static, dynamic, LTO) or the
// function pointers of a dlopen'd plugin's descriptor (dlopen), behind one Plugin type.
#pragma once

#include <cstdint>
#include <string_view>

#include "rustplugin.h"
#if defined(BENCH_DLOPEN)
#include "rp_loader.h"
#endif

namespace {

rp_str Str(std::string_view s) { return rp_str{s.data(), s.size()}; }
std::string_view View(rp_str s) { return std::string_view(s.ptr, s.len); }

#if defined(BENCH_DLOPEN)
rp_plugin_handle loaded_plugin;

// Function pointers from the plugin descriptor: indirect calls through registers.
struct Plugin {
  decltype(rp_plugin_descriptor::add) add = loaded_plugin.api->add;
  decltype(rp_plugin_descriptor::user_manager_get_user) get_user = loaded_plugin.api->user_manager_get_user;
  decltype(rp_plugin_descriptor::user_manager_get_user_by_claim) get_user_by_claim =
      loaded_plugin.api->user_manager_get_user_by_claim;
  decltype(rp_plugin_descriptor::user_manager_get_user_groups) get_user_groups =
      loaded_plugin.api->user_manager_get_user_groups;
  decltype(rp_plugin_descriptor::user_manager_find_users) find_users = loaded_plugin.api->user_manager_find_users;
  decltype(rp_plugin_descriptor::user_manager_get_users) get_users = loaded_plugin.api->user_manager_get_users;
  decltype(rp_plugin_descriptor::user_manager_new_demo) new_demo = loaded_plugin.api->user_manager_new_demo;
  decltype(rp_plugin_descriptor::user_manager_new_from_file) new_from_file =
      loaded_plugin.api->user_manager_new_from_file;
  decltype(rp_plugin_descriptor::user_manager_user_count) user_count = loaded_plugin.api->user_manager_user_count;
  decltype(rp_plugin_descriptor::last_error_message) last_error_message = loaded_plugin.api->last_error_message;
};
#else
// The linked symbols: direct calls (through the PLT for the shared library).
struct Plugin {
  static int64_t add(int64_t a, int64_t b) { return Add(a, b); }
  static rp_status get_user(const rp_user_manager* m, rp_str id, rp_str idp, const rp_user** out) {
    return rp_user_manager_get_user(m, id, idp, out);
  }
  static rp_status get_user_by_claim(const rp_user_manager* m, rp_str claim, rp_str value, const rp_user** out) {
    return rp_user_manager_get_user_by_claim(m, claim, value, out);
  }
  static rp_status get_user_groups(const rp_user_manager* m, rp_str id, rp_str idp, rp_str_list* out) {
    return rp_user_manager_get_user_groups(m, id, idp, out);
  }
  static rp_status find_users(const rp_user_manager* m, rp_str query, const rp_user** out, size_t cap,
                              size_t* count) {
    return rp_user_manager_find_users(m, query, out, cap, count);
  }
  static rp_status get_users(const rp_user_manager* m, rp_str_pack ids, rp_str idp, const rp_user** out) {
    return rp_user_manager_get_users(m, ids, idp, out);
  }
  static rp_status new_demo(rp_user_manager** out) { return rp_user_manager_new_demo(out); }
  static rp_status new_from_file(rp_str path, rp_user_manager** out) {
    return rp_user_manager_new_from_file(path, out);
  }
  static size_t user_count(const rp_user_manager* m) { return rp_user_manager_user_count(m); }
  static const char* last_error_message() { return rp_last_error_message(); }
};
#endif

struct RustAdd {
  Plugin plugin;
  int64_t operator()(int64_t a, int64_t b) const { return plugin.add(a, b); }
};

}  // namespace
