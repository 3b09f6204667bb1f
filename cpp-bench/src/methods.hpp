// The four methods and the batch, each both ways: through the plugin (Rust*) and natively in C++
// (Native*), as ops the harness times and counts.
#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data.hpp"
#include "plugin.hpp"

namespace {

// Each op holds its data set's keys; operator() runs the method once for the next key, laundered
// through DoNotOptimize (so neither compiler nor LTO can precompute a hash of a constant key), and
// returns the answer's address; Check() validates the answers for the first keys before timing.

// Runs answer(key) for the first kCheckedKeys keys; the first failure's text in *why.
template <class Answer>
bool CheckKeys(const std::vector<Key>& keys, std::string* why, Answer answer) {
  for (size_t i = 0; i < kCheckedKeys && i < keys.size(); i++) {
    if (!answer(keys[i])) {
      *why = "key " + std::to_string(i) + " (" + keys[i].opaque_id + "): " + *why;
      return false;
    }
  }
  return true;
}

bool Is(std::string_view got, std::string_view want, std::string* why) {
  if (got == want) return true;
  *why = "expected \"" + std::string(want) + "\", got \"" + std::string(got) + "\"";
  return false;
}

struct RustGetUser {
  Plugin plugin;
  const rp_user_manager* users;
  KeyCursor keys;
  const rp_user* Answer(const Key& key) const {
    rp_str id = Str(key.opaque_id), idp = Str(key.idp);
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(idp);
    const rp_user* user = nullptr;
    plugin.get_user(users, id, idp, &user);
    return user;
  }
  const rp_user* operator()() const { return Answer(keys.Next()); }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const rp_user* user = Answer(key);
      return user != nullptr ? Is(View(user->opaque_id), key.opaque_id, why) : (*why = plugin.last_error_message(), false);
    });
  }
};

struct NativeGetUser {
  const NativeUserManager* users;
  KeyCursor keys;
  const NativeUser* Answer(const Key& key) const {
    std::string_view id = key.opaque_id, idp = key.idp;
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(idp);
    return users->GetUser(id, idp);
  }
  const NativeUser* operator()() const { return Answer(keys.Next()); }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const NativeUser* user = Answer(key);
      return user != nullptr ? Is(user->opaque_id, key.opaque_id, why) : (*why = "not found", false);
    });
  }
};

struct RustGetUserByClaim {
  Plugin plugin;
  const rp_user_manager* users;
  KeyCursor keys;
  const rp_user* Answer(const Key& key) const {
    rp_str claim = Str("mail"), value = Str(key.mail);
    benchmark::DoNotOptimize(claim);
    benchmark::DoNotOptimize(value);
    const rp_user* user = nullptr;
    plugin.get_user_by_claim(users, claim, value, &user);
    return user;
  }
  const rp_user* operator()() const { return Answer(keys.Next()); }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const rp_user* user = Answer(key);
      return user != nullptr ? Is(View(user->mail), key.mail, why) : (*why = plugin.last_error_message(), false);
    });
  }
};

struct NativeGetUserByClaim {
  const NativeUserManager* users;
  KeyCursor keys;
  const NativeUser* Answer(const Key& key) const {
    std::string_view claim = "mail", value = key.mail;
    benchmark::DoNotOptimize(claim);
    benchmark::DoNotOptimize(value);
    return users->GetUserByClaim(NativeUserManager::ParseClaim(claim), value);
  }
  const NativeUser* operator()() const { return Answer(keys.Next()); }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const NativeUser* user = Answer(key);
      return user != nullptr ? Is(user->mail, key.mail, why) : (*why = "not found", false);
    });
  }
};

struct RustGetUserGroups {
  Plugin plugin;
  const rp_user_manager* users;
  KeyCursor keys;
  size_t operator()() const {
    const Key& key = keys.Next();
    rp_str id = Str(key.opaque_id), idp = Str(key.idp);
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(idp);
    rp_str_list groups{nullptr, 0};
    plugin.get_user_groups(users, id, idp, &groups);
    return groups.len;
  }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      rp_str_list groups{nullptr, 0};
      if (plugin.get_user_groups(users, Str(key.opaque_id), Str(key.idp), &groups) == RP_OK && groups.len > 0) return true;
      return *why = "no groups", false;
    });
  }
};

struct NativeGetUserGroups {
  const NativeUserManager* users;
  KeyCursor keys;
  const std::vector<std::string>* Answer(const Key& key) const {
    std::string_view id = key.opaque_id, idp = key.idp;
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(idp);
    return users->GetUserGroups(id, idp);
  }
  const std::vector<std::string>* operator()() const { return Answer(keys.Next()); }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const std::vector<std::string>* groups = Answer(key);
      return groups != nullptr && !groups->empty() ? true : (*why = "no groups", false);
    });
  }
};

constexpr size_t kFindCapacity = 16;

// FindUsers(a key's query) finds that key's user alone (the query is its opaque id in upper case).
bool FoundAlone(size_t count, std::string_view opaque_id, const Key& key, std::string* why) {
  if (count == 1) return Is(opaque_id, key.opaque_id, why);
  return *why = "FindUsers(" + key.query + ") found " + std::to_string(count), false;
}

struct RustFindUsers {
  Plugin plugin;
  const rp_user_manager* users;
  KeyCursor keys;
  size_t Answer(const Key& key, const rp_user** found) const {
    rp_str query = Str(key.query);
    benchmark::DoNotOptimize(query);
    size_t count = 0;
    plugin.find_users(users, query, found, kFindCapacity, &count);
    benchmark::DoNotOptimize(found);
    return count;
  }
  size_t operator()() const {
    const rp_user* found[kFindCapacity];
    return Answer(keys.Next(), found);
  }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const rp_user* found[kFindCapacity];
      size_t count = Answer(key, found);
      return FoundAlone(count, count ? View(found[0]->opaque_id) : "", key, why);
    });
  }
};

struct NativeFindUsers {
  const NativeUserManager* users;
  KeyCursor keys;
  size_t Answer(const Key& key, const NativeUser** found) const {
    std::string_view query = key.query;
    benchmark::DoNotOptimize(query);
    size_t count = users->FindUsers(query, found, kFindCapacity);
    benchmark::DoNotOptimize(found);
    return count;
  }
  size_t operator()() const {
    const NativeUser* found[kFindCapacity];
    return Answer(keys.Next(), found);
  }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const NativeUser* found[kFindCapacity];
      size_t count = Answer(key, found);
      return FoundAlone(count, count ? std::string_view(found[0]->opaque_id) : "", key, why);
    });
  }
};

// GetUsers: kBatch keys per call, at any idp; the native side answers the same keys one by one.
constexpr size_t kBatch = 16;

// The key schedule cut into batches of kBatch keys, each packed as rp_str_pack lays it out.
struct Batches {
  std::vector<std::string> bytes;
  std::vector<std::array<size_t, kBatch>> ends;
  explicit Batches(const std::vector<Key>& keys) {
    for (size_t first = 0; first < kKeyCount; first += kBatch) {
      std::string packed;
      std::array<size_t, kBatch> batch_ends{};
      for (size_t i = 0; i < kBatch; i++) {
        packed += keys[first + i].opaque_id;
        batch_ends[i] = packed.size();
      }
      bytes.push_back(std::move(packed));
      ends.push_back(batch_ends);
    }
  }
};

struct RustGetUsers {
  Plugin plugin;
  const rp_user_manager* users;
  KeyCursor keys;
  std::shared_ptr<const Batches> batches = std::make_shared<Batches>(*keys.keys);
  mutable size_t next = 0;
  using Answers = std::array<const rp_user*, kBatch>;
  void Answer(size_t batch, Answers* found) const {
    rp_str_pack ids{batches->bytes[batch].data(), batches->ends[batch].data(), kBatch};
    rp_str idp = Str("");
    benchmark::DoNotOptimize(ids);
    benchmark::DoNotOptimize(idp);
    plugin.get_users(users, ids, idp, found->data());
  }
  const rp_user* operator()() const {
    Answers found;
    Answer(next++ % batches->bytes.size(), &found);
    benchmark::DoNotOptimize(found);
    return found[kBatch - 1];
  }
  bool Check(std::string* why) const {
    Answers found;
    Answer(0, &found);
    for (size_t i = 0; i < kBatch; i++) {
      const Key& key = (*keys.keys)[i];
      if (found[i] == nullptr) return *why = "key " + key.opaque_id + ": none; " + plugin.last_error_message(), false;
      if (!Is(View(found[i]->opaque_id), key.opaque_id, why)) return false;
    }
    return true;
  }
};

struct NativeGetUsers {
  const NativeUserManager* users;
  KeyCursor keys;
  using Answers = std::array<const NativeUser*, kBatch>;
  const NativeUser* operator()() const {
    Answers found;
    for (auto& answer : found) {
      std::string_view id = keys.Next().opaque_id, idp = "";
      benchmark::DoNotOptimize(id);
      benchmark::DoNotOptimize(idp);
      answer = users->GetUser(id, idp);
    }
    benchmark::DoNotOptimize(found);
    return found[kBatch - 1];
  }
  bool Check(std::string* why) const {
    return CheckKeys(*keys.keys, why, [&](const Key& key) {
      const NativeUser* user = users->GetUser(key.opaque_id, "");
      return user != nullptr ? Is(user->opaque_id, key.opaque_id, why) : (*why = "not found", false);
    });
  }
};

}  // namespace
