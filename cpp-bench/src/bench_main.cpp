// cpp-bench: google benchmark harness. One source, built as one binary per way of reaching the
// code under test (see cpp-bench/Makefile):
//   BENCH_STATIC    direct calls into librustplugin.a (also runs the user-count sweeps)
//   BENCH_DYNAMIC   direct calls into librustplugin.so, through the PLT
//   BENCH_DLOPEN    calls through the descriptor of a dlopen'd librustplugin.so
//   BENCH_LTO       direct calls into a bitcode librustplugin.a, cross-language ThinLTO
//   BENCH_CARCHIVE  Add into a Go c-archive (the seeds' C++ -> Go case); no Rust plugin
// Every binary also runs the native baselines, so each ratio comes from one binary and one run.
//
// Names follow op/caller/path[/users]: "Add/cpp/static", "GetUser/cpp/native/1000". users is 4 for
// the built-in demo data, else the size of a generated file users-N.json in --data_dir.
//
// Own flags (before google benchmark's): --data_dir=DIR, --sweep_max=N (largest sweep size),
// --plugin=PATH (dlopen flavour), and --count_instructions=NAME --iterations=N, which runs one
// benchmark's body N times in count_loop<> for valgrind --tool=callgrind, instead of benchmarking.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "native_add.h"
#include "native_user_manager.hpp"

#if defined(BENCH_CARCHIVE)
extern "C" {
#include "libgoadd.h"
}
#define PATH_NAME "carchive"
#else
#include "rustplugin.h"
#if defined(BENCH_STATIC)
#define PATH_NAME "static"
#elif defined(BENCH_DYNAMIC)
#define PATH_NAME "dynamic"
#elif defined(BENCH_LTO)
#define PATH_NAME "lto"
#elif defined(BENCH_DLOPEN)
#include "rp_loader.h"
#define PATH_NAME "dlopen"
#else
#error "define one of BENCH_STATIC, BENCH_DYNAMIC, BENCH_LTO, BENCH_DLOPEN, BENCH_CARCHIVE"
#endif
#endif

namespace {

struct Options {
  std::string data_dir = "results/data";
  int64_t sweep_max = 1000000;
  std::string plugin;
  std::string count_instructions;
  size_t iterations = 0;
};
Options options;

// Takes our own --name=value flags out of argv, leaving google benchmark's.
void ParseOwnFlags(int* argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < *argc; i++) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (arg.substr(0, flag.size()) == flag) return std::string(arg.substr(flag.size()));
      return std::nullopt;
    };
    if (auto v = value("--data_dir=")) {
      options.data_dir = *v;
    } else if (auto v = value("--sweep_max=")) {
      options.sweep_max = std::strtoll(v->c_str(), nullptr, 10);
    } else if (auto v = value("--plugin=")) {
      options.plugin = *v;
    } else if (auto v = value("--count_instructions=")) {
      options.count_instructions = *v;
    } else if (auto v = value("--iterations=")) {
      options.iterations = std::strtoull(v->c_str(), nullptr, 10);
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
}

// Benchmarks that could not run (data that would not load, a wrong answer): main exits non-zero.
int failures = 0;

// The loop every benchmark times, and count_loop repeats for callgrind: the op is copied into a
// local so its fields (function pointers, inputs) live in registers, not behind the capture.
template <class Op>
void RunBenchmark(benchmark::State& state, const Op& prototype) {
  std::string why;
  if (!prototype.Check(&why)) {
    state.SkipWithError(("wrong answer: " + why).c_str());
    failures++;
    return;
  }
  Op op = prototype;
  for (auto _ : state) {
    auto result = op();
    benchmark::DoNotOptimize(result);
  }
}

template <class Op>
__attribute__((noinline)) void count_loop(Op op, size_t iterations) {
  for (size_t i = 0; i < iterations; i++) {
    auto result = op();
    benchmark::DoNotOptimize(result);
  }
}

// Runs one registered benchmark's body `iterations` times; false (with a message) when it cannot.
std::map<std::string, std::function<bool(size_t)>>& CountLoops() {
  static std::map<std::string, std::function<bool(size_t)>> loops;
  return loops;
}

// make(&error) builds the op, loading its data on first use (so --benchmark_filter skips the data
// sets nobody asked for), or returns nullopt with *error set.
template <class Make>
void Register(const std::string& name, Make make) {
  benchmark::RegisterBenchmark(name.c_str(), [make](benchmark::State& state) {
    std::string error;
    if (auto op = make(&error)) {
      RunBenchmark(state, *op);
    } else {
      state.SkipWithError(error.c_str());
      failures++;
    }
  });
  CountLoops()[name] = [make, name](size_t iterations) {
    std::string error;
    auto op = make(&error);
    if (!op) {
      std::fprintf(stderr, "cpp-bench: %s: %s\n", name.c_str(), error.c_str());
      return false;
    }
    count_loop(*op, iterations);
    return true;
  };
}

// An op that needs no data.
template <class Op>
auto Always(Op op) {
  return [op](std::string*) { return std::optional<Op>(op); };
}

// ---------------------------------------------------------------- Add

// a and b pass through DoNotOptimize, so the compiler cannot fold the sum.
template <class AddFn>
struct AddOp {
  AddFn add;
  int64_t operator()() const {
    int64_t a = 1, b = 2;
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    return add(a, b);
  }
  bool Check(std::string* why) const {
    if (add(40, 2) == 42 && add(INT64_MAX, 1) == INT64_MIN) return true;
    *why = "Add(40, 2) = " + std::to_string(add(40, 2));
    return false;
  }
};

struct InlineAdd {
  int64_t operator()(int64_t a, int64_t b) const {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  }
};

struct NativeNoinlineAdd {
  int64_t operator()(int64_t a, int64_t b) const { return native_add(a, b); }
};

void RegisterNativeAdd() {
  Register("Add/cpp/native", Always(AddOp<InlineAdd>{}));
  Register("Add/cpp/native_noinline", Always(AddOp<NativeNoinlineAdd>{}));
}

}  // namespace

#if defined(BENCH_CARCHIVE)

namespace {
struct GoAddFn {
  int64_t operator()(int64_t a, int64_t b) const { return GoAdd(a, b); }
};

void RegisterAll() {
  RegisterNativeAdd();
  Register("Add/cpp/carchive", Always(AddOp<GoAddFn>{}));
}
}  // namespace

#else  // the Rust plugin flavours

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

rp_str Str(std::string_view s) { return rp_str{s.data(), s.size()}; }
std::string_view View(rp_str s) { return std::string_view(s.ptr, s.len); }

// ---------------------------------------------------------------- how this binary calls Rust

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

// ---------------------------------------------------------------- data, loaded once per size

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

// ---------------------------------------------------------------- the four methods, both ways

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

// Registers op/cpp/native/N and op/cpp/PATH/N for the data set of `users` users, loaded by the
// first of them that runs; one that cannot be loaded makes both report the error.
template <class RustOp, class NativeOp>
void RegisterMethod(const char* op, int64_t users) {
  std::string suffix = "/" + std::to_string(users);
  Register(std::string(op) + "/cpp/native" + suffix, [users](std::string* error) -> std::optional<NativeOp> {
    const DataSet& data = Data(users);
    if (!data.error.empty()) return *error = data.error, std::nullopt;
    return NativeOp{data.native.get(), KeyCursor{&data.keys}};
  });
  Register(std::string(op) + "/cpp/" PATH_NAME + suffix, [users](std::string* error) -> std::optional<RustOp> {
    const DataSet& data = Data(users);
    if (!data.error.empty()) return *error = data.error, std::nullopt;
    return RustOp{Plugin{}, data.rust, KeyCursor{&data.keys}};
  });
}

void RegisterAll() {
  RegisterNativeAdd();
  Register("Add/cpp/" PATH_NAME, Always(AddOp<RustAdd>{RustAdd{Plugin{}}}));

  RegisterMethod<RustGetUser, NativeGetUser>("GetUser", kDemoUsers);
  RegisterMethod<RustGetUserByClaim, NativeGetUserByClaim>("GetUserByClaim", kDemoUsers);
  RegisterMethod<RustGetUserGroups, NativeGetUserGroups>("GetUserGroups", kDemoUsers);
  RegisterMethod<RustFindUsers, NativeFindUsers>("FindUsers", kDemoUsers);
  RegisterMethod<RustGetUsers, NativeGetUsers>("GetUsers", kDemoUsers);
#if defined(BENCH_STATIC)
  // How cost grows with the data: one linkage is enough, the boundary cost is the same.
  for (int64_t users = 1000; users <= options.sweep_max; users *= 10) {
    RegisterMethod<RustGetUser, NativeGetUser>("GetUser", users);
    RegisterMethod<RustFindUsers, NativeFindUsers>("FindUsers", users);
  }
#endif
}

}  // namespace

#endif  // the Rust plugin flavours

int main(int argc, char** argv) {
  ParseOwnFlags(&argc, argv);
#if defined(BENCH_DLOPEN)
  char error[512];
  std::string path = options.plugin.empty() ? PLUGIN_DEFAULT_PATH : options.plugin;
  if (rp_plugin_open(path.c_str(), &loaded_plugin, error, sizeof error) != RP_OK) {
    std::fprintf(stderr, "cpp-bench: %s\n", error);
    return 1;
  }
#endif
  RegisterAll();
  if (!options.count_instructions.empty()) {
    auto loop = CountLoops().find(options.count_instructions);
    if (loop == CountLoops().end() || options.iterations == 0) {
      std::fprintf(stderr, "cpp-bench: --count_instructions needs a benchmark of this binary and --iterations=N\n");
      return 2;
    }
    return loop->second(options.iterations) ? 0 : 1;
  }
  benchmark::AddCustomContext("path", PATH_NAME);
  benchmark::AddCustomContext("cxx", __VERSION__);
  benchmark::AddCustomContext("cxxflags", BENCH_CXXFLAGS);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (failures > 0) std::fprintf(stderr, "cpp-bench: %d benchmark run(s) failed (see the errors above)\n", failures);
  return failures > 0 ? 1 : 0;
}
