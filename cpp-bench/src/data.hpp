// The data sets the methods run on, loaded once per size: the users in the Rust plugin and, copied
// from it, in the native C++ manager, and the key schedule every harness asks for.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"
#include "native_user_manager.hpp"
#include "plugin.hpp"

namespace {

constexpr int64_t kDemoUsers = 4;  // the users argument that means "the built-in demo data"

// The key schedule of a data set (gen-users --keys, users-N.keys in --data_dir): the users every
// harness (C++, Go, Rust) asks for, in the same order, at every size.
struct Key {
  std::string opaque_id, idp, mail, query;
};
constexpr size_t kKeyCount = 1024;  // a power of two: the ops take key i & (kKeyCount - 1)
constexpr size_t kCheckedKeys = 8;   // the keys whose answers Check() validates before timing

// Reads users-N.keys: kKeyCount lines of tab-separated opaque id, idp, mail and query.
std::optional<std::vector<Key>> LoadKeys(int64_t users, std::string* error) {
  std::string path = options.data_dir + "/users-" + std::to_string(users) + ".keys";
  std::ifstream in(path);
  std::vector<Key> keys;
  std::string line;
  while (std::getline(in, line)) {
    Key key;
    std::string* fields[] = {&key.opaque_id, &key.idp, &key.mail, &key.query};
    size_t start = 0, n = 0;
    for (; n < 4 && start <= line.size(); n++) {
      size_t tab = n < 3 ? line.find('\t', start) : line.size();
      if (tab == std::string::npos) break;
      *fields[n] = line.substr(start, tab - start);
      start = tab + 1;
    }
    if (n != 4) return *error = path + ":" + std::to_string(keys.size() + 1) + ": not 4 tab-separated fields", std::nullopt;
    keys.push_back(std::move(key));
  }
  if (keys.size() != kKeyCount) {
    *error = "cannot read " + std::to_string(kKeyCount) + " keys from " + path + " (" + std::to_string(keys.size()) +
             " read; make bench-cpp writes them with gen-users --keys)";
    return std::nullopt;
  }
  return keys;
}

// The keys an op asks for in turn: the cursor moves on each call.
struct KeyCursor {
  const std::vector<Key>* keys;
  mutable size_t next = 0;
  const Key& Next() const { return (*keys)[next++ & (kKeyCount - 1)]; }
};

struct DataSet {
  rp_user_manager* rust = nullptr;
  std::unique_ptr<NativeUserManager> native;
  std::vector<Key> keys;
  std::string error;
};

// The native manager is built from the Rust manager's views, so both hold the same users.
std::unique_ptr<NativeUserManager> CopyToNative(const rp_user_manager* rust, const Plugin& plugin) {
  std::vector<NativeUser> users;
  std::vector<const rp_user*> all(plugin.user_count(rust));
  size_t count = 0;
  plugin.find_users(rust, Str(""), all.data(), all.size(), &count);
  for (size_t i = 0; i < count; i++) {
    const rp_user& u = *all[i];
    NativeUser user;
    user.opaque_id = View(u.opaque_id);
    user.idp = View(u.idp);
    user.username = View(u.username);
    user.mail = View(u.mail);
    user.display_name = View(u.display_name);
    for (size_t g = 0; g < u.groups.len; g++) user.groups.emplace_back(View(u.groups.ptr[g]));
    user.uid = View(u.uid);
    user.gid = View(u.gid);
    user.has_uid = u.uid.len > 0;
    users.push_back(std::move(user));
  }
  return std::make_unique<NativeUserManager>(std::move(users));
}

const DataSet& Data(int64_t users) {
  static std::map<int64_t, DataSet> loaded;
  auto found = loaded.find(users);
  if (found != loaded.end()) return found->second;
  DataSet& data = loaded[users];
  Plugin plugin;
  rp_status status;
  if (users == kDemoUsers) {
    status = plugin.new_demo(&data.rust);
  } else {
    std::string path = options.data_dir + "/users-" + std::to_string(users) + ".json";
    std::fprintf(stderr, "cpp-bench: loading %s\n", path.c_str());
    status = plugin.new_from_file(Str(path), &data.rust);
  }
  if (status != RP_OK) {
    data.error = std::string("cannot load the users: ") + plugin.last_error_message() +
                 " (make bench-cpp generates the data files)";
    return data;
  }
  data.native = CopyToNative(data.rust, plugin);
  if (auto keys = LoadKeys(users, &data.error)) data.keys = std::move(*keys);
  return data;
}

}  // namespace
