// native_user_manager: the reva JSON user manager's semantics in plain C++17, the native baseline
// the Rust plugin is measured against. It uses the same strategy as the Rust store (hash indexes
// built once, a pre-lowered search text) so the comparison is of languages and boundaries, not of
// algorithms. Case folding is ASCII-only (the benchmark data is ASCII); the Rust store folds Unicode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct NativeUser {
  std::string opaque_id, idp, username, mail, display_name;
  std::vector<std::string> groups;
  std::string uid, gid;
  bool has_uid = false;
};

class NativeUserManager {
 public:
  enum class Claim { kMail, kUsername, kUid, kUnknown };

  explicit NativeUserManager(std::vector<NativeUser> users);
  NativeUserManager(const NativeUserManager&) = delete;
  NativeUserManager& operator=(const NativeUserManager&) = delete;

  static Claim ParseClaim(std::string_view name);
  size_t size() const { return users_.size(); }

  // reva GetUser: first user whose opaque id or username is `id`, with `idp` when not empty.
  const NativeUser* GetUser(std::string_view id, std::string_view idp) const;
  // reva GetUserByClaim; nullptr when not found or the claim is unknown.
  const NativeUser* GetUserByClaim(Claim claim, std::string_view value) const;
  // reva GetUserGroups; nullptr when the user is not found.
  const std::vector<std::string>* GetUserGroups(std::string_view id, std::string_view idp) const;
  // reva FindUsers: writes up to `capacity` matches, returns the number of matches.
  size_t FindUsers(std::string_view query, const NativeUser** out, size_t capacity) const;

 private:
  using Index = std::unordered_map<std::string_view, std::vector<uint32_t>>;
  static void Insert(Index& index, std::string_view key, uint32_t position);

  std::vector<NativeUser> users_;
  Index by_id_or_username_, by_mail_, by_username_, by_uid_;
  std::string search_text_;          // per user: lowered username, display name, mail, opaque id, each + '\0'
  std::vector<size_t> user_ends_;    // offset just past each user's text
};
