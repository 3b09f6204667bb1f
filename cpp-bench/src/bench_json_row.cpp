// bench_json_row: GetJsonRow from C++ on the document and paths every caller uses
// (rust-plugin/json-row/data), one path per iteration in turn:
//   GetJsonRow/cpp/native  simdjson (On Demand): the document parsed and the path followed as a
//                          JSON pointer, the raw text of the value taken (the same work, in C++)
//   GetJsonRow/cpp/static  the Rust plugin's generated C ABI (rp_json_row.h), linked statically
// Each answer is checked against the other before anything is timed; a mismatch exits 1. Flags of
// the flavours' binaries (--data_dir, --sweep_max) are accepted and ignored, so the runner treats
// this binary as one more flavour.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "rp_json_row.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

struct Inputs {
  std::string document;
  simdjson::padded_string padded;
  std::vector<std::string> paths;     // gjson's syntax
  std::vector<std::string> pointers;  // the same paths as JSON pointers
};

// A gjson path of keys and indexes ("friends.2.last", "fav\.movie") as a JSON pointer.
std::string Pointer(const std::string& path) {
  std::string pointer = "/";
  for (size_t i = 0; i < path.size(); i++) {
    if (path[i] == '\\' && i + 1 < path.size()) {
      pointer += path[++i];
    } else if (path[i] == '.') {
      pointer += '/';
    } else if (path[i] == '~') {
      pointer += "~0";
    } else if (path[i] == '/') {
      pointer += "~1";
    } else {
      pointer += path[i];
    }
  }
  return pointer;
}

const Inputs& TheInputs() {
  static const Inputs inputs = [] {
    Inputs in;
    in.document = ReadFile(std::string(JSON_ROW_DATA) + "/bench.json");
    in.padded = simdjson::padded_string(in.document);
    std::istringstream paths(ReadFile(std::string(JSON_ROW_DATA) + "/bench-paths.txt"));
    for (std::string path; paths >> path;) {
      in.paths.push_back(path);
      in.pointers.push_back(Pointer(path));
    }
    return in;
  }();
  return inputs;
}

std::string_view Rust(const Inputs& in, size_t i) {
  rp_str row{nullptr, 0};
  rp_str input{in.document.data(), in.document.size()};
  rp_str path{in.paths[i].data(), in.paths[i].size()};
  if (rpj_get_json_row(input, path, nullptr, 0, &row) != RP_OK) return {};
  return {row.ptr, row.len};
}

std::string_view Native(simdjson::ondemand::parser& parser, const Inputs& in, size_t i) {
  auto document = parser.iterate(in.padded);
  simdjson::ondemand::value value;
  simdjson::ondemand::json_type type;
  std::string_view raw;
  if (document.at_pointer(in.pointers[i]).get(value) || value.type().get(type)) return {};
  // simdjson 3.0 has the raw text of arrays and objects, and the token of the other values.
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array) || array.raw_json().get(raw)) return {};
  } else if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object) || object.raw_json().get(raw)) return {};
  } else {
    raw = value.raw_json_token();
  }
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == ',')) raw.remove_suffix(1);
  return raw;
}

bool SameAnswers() {
  const Inputs& in = TheInputs();
  simdjson::ondemand::parser parser;
  if (in.paths.empty()) return false;
  for (size_t i = 0; i < in.paths.size(); i++) {
    std::string_view rust = Rust(in, i), native = Native(parser, in, i);
    if (rust.empty() || rust != native) {
      std::fprintf(stderr, "cpp-bench: GetJsonRow(%s): Rust %.*s, simdjson %.*s\n", in.paths[i].c_str(),
                   (int)rust.size(), rust.data(), (int)native.size(), native.data());
      return false;
    }
  }
  return true;
}

void Native(benchmark::State& state) {
  const Inputs& in = TheInputs();
  simdjson::ondemand::parser parser;
  size_t i = 0;
  for (auto _ : state) {
    std::string_view raw = Native(parser, in, i);
    benchmark::DoNotOptimize(raw);
    i = (i + 1) % in.paths.size();
  }
}

void Static(benchmark::State& state) {
  const Inputs& in = TheInputs();
  size_t i = 0;
  for (auto _ : state) {
    std::string_view raw = Rust(in, i);
    benchmark::DoNotOptimize(raw);
    i = (i + 1) % in.paths.size();
  }
}

}  // namespace

int main(int argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg.rfind("--data_dir=", 0) != 0 && arg.rfind("--sweep_max=", 0) != 0) argv[kept++] = argv[i];
  }
  argc = kept;
  if (!SameAnswers()) return 1;
  benchmark::RegisterBenchmark("GetJsonRow/cpp/native", Native);
  benchmark::RegisterBenchmark("GetJsonRow/cpp/static", Static);
  benchmark::AddCustomContext("path", "json_row");
  benchmark::AddCustomContext("cxx", __VERSION__);
  benchmark::AddCustomContext("cxxflags", BENCH_CXXFLAGS);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
