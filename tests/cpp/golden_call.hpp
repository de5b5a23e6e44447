// Shared by the tests that run the nn_losses.json form of golden case (operands [[name, value],
// ...] in torch's positional order, options {keyword: value}) through the registry: reading such
// a file, listing its functions, and building a case's LossCall.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "golden_util.hpp"
#include "losslab/registry.hpp"

namespace losslab::golden {

// The parsed file, or a null json when it is missing or not JSON.
inline json load_json(const char* path) {
  std::ifstream f(path);
  if (!f) return json();
  return json::parse(f, nullptr, /*allow_exceptions=*/false);
}

// The cases of one function.
inline std::vector<const json*> cases_of(const json& file, const std::string& fn) {
  std::vector<const json*> out;
  if (file.is_object() && file.contains("cases"))
    for (const json& c : file["cases"])
      if (c["fn"] == fn) out.push_back(&c);
  return out;
}

// The functions a file covers, found by scanning its `"fn": "<name>"` keys: every test process
// lists its parameters at start-up, where a full parse of megabytes would cost ~0.2 s each.
// {"fixtures_missing"} when there are none, so that a test fails instead of nothing running.
inline std::vector<std::string> functions_in(const char* path) {
  std::ifstream f(path);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::set<std::string> names;
  const std::string key = "\"fn\":";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const auto open = text.find('"', at + key.size());
    if (open == std::string::npos) break;
    names.insert(text.substr(open + 1, text.find('"', open + 1) - open - 1));
  }
  if (names.empty()) return {"fixtures_missing"};
  return {names.begin(), names.end()};
}

// An operand: a tensor, or {"list": [...]} (ctc lengths given as Python lists), which the JS API
// turns into an int64 tensor before the call, as done here.
inline Decoded operand(const json& v) {
  if (v.contains("list")) {
    Decoded d;
    d.dtype = DType::Int64;
    for (const json& e : v["list"]) d.i64.push_back(e.get<int64_t>());
    d.shape = {static_cast<int64_t>(d.i64.size())};
    return d;
  }
  return decode(v);
}

// Sets a loss's option from a case's keyword and value (number, bool and tensor options, through
// spec.option(key)'s LossOptions field; options without a field, e.g. a callable, are left to the
// caller). `owned` keeps decoded tensors alive (a deque: growing it moves no element).
inline void set_option(const LossSpec& spec, LossOptions& o, const std::string& key,
                       const json& value, std::deque<Decoded>& owned) {
  const OptionSpec* p = spec.option(key);
  ASSERT_NE(p, nullptr) << spec.name << " has no option " << key;
  if (p->field.f) o.*(p->field.f) = json_number(value);
  if (p->field.i) o.*(p->field.i) = static_cast<int64_t>(json_number(value));
  if (p->field.b) o.*(p->field.b) = value.get<bool>();
  if (p->field.t) {
    owned.push_back(decode(value));
    o.*(p->field.t) = owned.back().view();
  }
}

// A case's call and the storage its views point into (a deque: growing it moves no element).
struct CaseCall {
  LossCall call;
  std::string reduction;  // the case's ("mean" when not passed; "none" for distances)
  std::optional<Error> reduction_error;  // the registry refused it; the options after it are unset
  std::deque<Decoded> owned;
};

// Builds case c's call for spec: the operands (their names must be the registry's, in its
// order), then every option through spec.option(key)'s LossOptions field, the reduction through
// spec.parse_reduction (a refused one stops there: out->reduction_error). Mismatches are gtest
// failures; after a fatal one (HasFatalFailure()) the call is incomplete.
inline void build_call(const LossSpec& spec, const json& c, bool force_scalar, CaseCall* out) {
  LossCall& call = out->call;
  call.options = spec.defaults();
  call.options.force_scalar = force_scalar;
  const json& ops = c.at("operands");
  ASSERT_EQ(ops.size(), spec.operands.size()) << spec.name << ": operand count";
  for (std::size_t k = 0; k < ops.size(); ++k) {
    EXPECT_EQ(ops[k][0].get<std::string>(), spec.operands[k].name)
        << spec.name << ": operand " << k;
    out->owned.push_back(operand(ops[k][1]));
    call.operands.push_back(out->owned.back().view());
  }
  out->reduction = spec.has_reduction() ? "mean" : "none";
  for (const auto& [key, value] : c.at("options").items()) {
    if (key == "reduction") {
      out->reduction = value.get<std::string>();
      auto r = spec.parse_reduction(out->reduction);
      if (!r) {
        out->reduction_error = r.error();
        return;
      }
      call.options.reduction = r.value();
      continue;
    }
    if (value.is_null()) continue;
    set_option(spec, call.options, key, value, out->owned);
    if (::testing::Test::HasFatalFailure()) return;
  }
  if (!spec.has_reduction()) call.options.reduction = Reduction::None;
}

}  // namespace losslab::golden
