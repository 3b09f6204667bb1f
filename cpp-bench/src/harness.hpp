// cpp-bench's harness, the same in every flavour: its own flags, and the registration that gives each
// benchmark both a google benchmark loop and a count_loop for callgrind (--count_instructions).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  std::string data_dir = "results/data";
  int64_t sweep_max = 1000000;
  std::string plugin;
  std::vector<std::string> count_instructions;
  std::vector<size_t> iterations;
};

Options options;

// "a,b,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitCommas(std::string_view list) {
  std::vector<std::string> items;
  for (size_t start = 0; start <= list.size();) {
    size_t end = std::min(list.find(',', start), list.size());
    items.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

// A loop length: a decimal number, else 0 (which main refuses).
size_t ParseLength(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::strtoull(text.c_str(), nullptr, 10);
}

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
      options.count_instructions = SplitCommas(*v);
    } else if (auto v = value("--iterations=")) {
      options.iterations.clear();
      for (const auto& n : SplitCommas(*v)) options.iterations.push_back(ParseLength(n));
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

// Runs one registered benchmark's body in count_loop once per length, in order, on one op (its
// data loaded once); false (with a message) when it cannot.
std::map<std::string, std::function<bool(const std::vector<size_t>&)>>& CountLoops() {
  static std::map<std::string, std::function<bool(const std::vector<size_t>&)>> loops;
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
  CountLoops()[name] = [make, name](const std::vector<size_t>& lengths) {
    std::string error;
    auto op = make(&error);
    if (!op) {
      std::fprintf(stderr, "cpp-bench: %s: %s\n", name.c_str(), error.c_str());
      return false;
    }
    for (size_t iterations : lengths) count_loop(*op, iterations);
    return true;
  };
}

// An op that needs no data.
template <class Op>
auto Always(Op op) {
  return [op](std::string*) { return std::optional<Op>(op); };
}

}  // namespace
