// cpp-bench: google benchmark harness. One source, built as one binary per way of reaching the
// code under test (see cpp-bench/Makefile):
//   BENCH_STATIC    direct calls into librustplugin.a (also runs the user-count sweeps)
//   BENCH_DYNAMIC   direct calls into librustplugin.so, through the PLT
//   BENCH_DLOPEN    calls through the descriptor of a dlopen'd librustplugin.so
//   BENCH_LTO       direct calls into a bitcode librustplugin.a, cross-language ThinLTO
//   BENCH_CARCHIVE  Add into a Go c-archive (the seeds' C++ -> Go case); no Rust plugin
// Every binary also runs the native baselines, so each ratio comes from one binary and one run.
// This file registers the benchmarks; harness.hpp times and counts them, plugin.hpp is how this
// flavour calls Rust, data.hpp loads the data sets, methods.hpp holds the methods' ops.
//
// Names follow op/caller/path[/users]: "Add/cpp/static", "GetUser/cpp/native/1000". users is 4 for
// the built-in demo data, else the size of a generated file users-N.json in --data_dir.
//
// Own flags (before google benchmark's): --data_dir=DIR, --sweep_max=N (largest sweep size),
// --plugin=PATH (dlopen flavour), and --count_instructions=NAME[,NAME...] --iterations=N[,N...],
// which, instead of benchmarking, runs each named benchmark's body in count_loop<> once per length,
// in order, for valgrind --tool=callgrind (scripts/count-instructions.sh).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "harness.hpp"
#include "native_add.h"

#if defined(BENCH_CARCHIVE)
extern "C" {
#include "libgoadd.h"
}
#define PATH_NAME "carchive"
#else
#include "data.hpp"
#include "methods.hpp"
#include "plugin.hpp"
#if defined(BENCH_STATIC)
#define PATH_NAME "static"
#elif defined(BENCH_DYNAMIC)
#define PATH_NAME "dynamic"
#elif defined(BENCH_LTO)
#define PATH_NAME "lto"
#elif defined(BENCH_DLOPEN)
#define PATH_NAME "dlopen"
#else
#error "define one of BENCH_STATIC, BENCH_DYNAMIC, BENCH_LTO, BENCH_DLOPEN, BENCH_CARCHIVE"
#endif
#endif

namespace {

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
    if (options.iterations.empty() ||
        std::find(options.iterations.begin(), options.iterations.end(), 0) != options.iterations.end()) {
      std::fprintf(stderr, "cpp-bench: --count_instructions needs --iterations=N[,N...], positive numbers\n");
      return 2;
    }
    for (const auto& name : options.count_instructions) {
      if (CountLoops().find(name) == CountLoops().end()) {
        std::fprintf(stderr, "cpp-bench: no benchmark named %s in this binary\n", name.c_str());
        return 2;
      }
    }
    for (const auto& name : options.count_instructions) {
      if (!CountLoops()[name](options.iterations)) return 1;
    }
    return 0;
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
