// Every loss, activation and error case of the golden file (torch 1.13.1 CPU), run through the
// registry with the SIMD kernels and with the scalar reference (force_scalar): forward value,
// warnings, error type and text, and d loss / d input for the case's upstream gradient.
// A case whose loss or activation is not registered fails (it is never skipped).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "golden_util.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using json = nlohmann::json;
using namespace golden;  // NOLINT: the shared fixture helpers

const json& golden() {
  static const json j = [] {
    std::ifstream f(LOSSLAB_GOLDEN_JSON);
    if (!f) return json();
    return json::parse(f, nullptr, /*allow_exceptions=*/false);
  }();
  return j;
}

bool is_tested_kind(const json& c) {
  const std::string kind = c.value("kind", "");
  return kind == "loss" || kind == "activation";
}

// Case id -> case, for the loss / activation / error cases.
const std::map<std::string, const json*>& cases_by_id() {
  static const std::map<std::string, const json*> m = [] {
    std::map<std::string, const json*> r;
    const json& g = golden();
    if (g.is_object() && g.contains("cases"))
      for (const json& c : g["cases"])
        if (is_tested_kind(c)) r[c["id"].get<std::string>()] = &c;
    return r;
  }();
  return m;
}

constexpr const char* kMissing = "golden_file_missing";

std::vector<std::string> case_ids() {
  std::vector<std::string> ids;
  for (const auto& kv : cases_by_id()) ids.push_back(kv.first);
  if (ids.empty()) ids.push_back(kMissing);  // fails below instead of silently running nothing
  return ids;
}

// nn.<Module> -> F.<name>, from the registry (losses and activations).
std::string module_to_function(const std::string& module) {
  for (const LossSpec& s : losses())
    if (module == s.module_name) return s.name;
  for (const ActivationSpec& s : activations())
    if (module == s.module_name) return s.name;
  return "<unknown " + module + ">";
}

// Where the registry says the loss is bit-identical to torch.
bool bit_exact_case(const LossSpec& spec, const std::string& reduction) {
  return reduction == "none" ? (spec.exact & kExactNone) != 0 : (spec.exact & kExactReduced) != 0;
}

Tolerance tolerance_for(const json& c, bool exact) {
  Tolerance t;
  t.exact = exact;
  const std::string note = c.value("note", "");
  t.zero_sign = note.find("-0") != std::string::npos || note.find("sign") != std::string::npos;
  return t;
}

void run_loss_case(const json& c, bool force_scalar) {
  const std::string module = c.at("loss").get<std::string>();
  const std::string name = module_to_function(module);
  const LossSpec* spec = find_loss(name);
  ASSERT_NE(spec, nullptr) << "loss '" << name << "' (nn." << module << ") is not registered";

  const json& opts = c.at("options");
  const bool expects_error = c.contains("error");
  LossOptions o = spec->defaults();
  o.force_scalar = force_scalar;
  const std::string reduction = opts.value("reduction", "mean");
  auto red = spec->parse_reduction(reduction);
  if (!red) {
    ASSERT_TRUE(expects_error) << red.error().message;
    expect_error(red.error(), c["error"], "reduction");
    return;
  }
  o.reduction = red.value();
  // Every other option through the registry's field table.
  std::vector<Decoded> tensors;
  tensors.reserve(opts.size());
  for (const auto& [key, value] : opts.items()) {
    if (key == "reduction" || value.is_null()) continue;
    const OptionSpec* p = spec->option(key);
    ASSERT_NE(p, nullptr) << name << " has no option " << key;
    if (p->field.f) o.*(p->field.f) = json_number(value);
    if (p->field.i) o.*(p->field.i) = value.get<int64_t>();
    if (p->field.b) o.*(p->field.b) = value.get<bool>();
    if (p->field.t) {
      tensors.push_back(decode(value));
      o.*(p->field.t) = tensors.back().view();
    }
  }
  const Decoded input = decode(c.at("input"));
  const Decoded target = decode(c.at("target"));
  const TensorView x = input.view(), y = target.view();

  auto fwd = spec->forward(x, y, o);
  if (expects_error) {
    const json& err = c["error"];
    if (err.value("phase", "forward") == "forward") {
      ASSERT_FALSE(fwd.ok()) << "expected " << err.at("type") << ": " << err.at("message");
      expect_error(fwd.error(), err, "forward");
    } else {
      ASSERT_TRUE(fwd.ok()) << fwd.error().type << ": " << fwd.error().message;
      Decoded g = decode(c.at("grad_output"));
      TensorView gv = g.view();
      auto bwd = spec->backward(x, y, o, &gv);
      ASSERT_FALSE(bwd.ok()) << "expected " << err.at("type") << ": " << err.at("message");
      expect_error(bwd.error(), err, "backward");
    }
    return;
  }
  ASSERT_TRUE(fwd.ok()) << fwd.error().type << ": " << fwd.error().message;
  const Tolerance tol = tolerance_for(c, bit_exact_case(*spec, reduction));
  expect_tensor(fwd.value().value, c.at("expected").at("output"), tol, "output");
  EXPECT_EQ(fwd.value().warnings, c.value("warnings", std::vector<std::string>{})) << "warnings";

  if (!c.at("expected").contains("grad_input")) return;
  const Decoded g = decode(c.at("grad_output"));
  const TensorView gv = g.view();
  auto bwd = spec->backward(x, y, o, &gv);
  ASSERT_TRUE(bwd.ok()) << "backward: " << bwd.error().type << ": " << bwd.error().message;
  expect_tensor(bwd.value(), c["expected"]["grad_input"], tol, "grad_input");
}

void run_activation_case(const json& c, bool force_scalar) {
  const std::string module = c.at("op").get<std::string>();
  const std::string name = module_to_function(module);
  const ActivationSpec* spec = find_activation(name);
  ASSERT_NE(spec, nullptr) << "activation '" << name << "' (nn." << module << ") is not registered";
  const json& opts = c.at("options");
  const bool has_dim = opts.contains("dim") && !opts["dim"].is_null();
  const int64_t dim = has_dim ? opts["dim"].get<int64_t>() : 0;
  const Decoded input = decode(c.at("input"));
  const TensorView x = input.view();

  auto fwd = spec->forward(x, has_dim, dim, force_scalar);
  if (c.contains("error")) {
    ASSERT_FALSE(fwd.ok()) << "expected " << c["error"].at("message");
    expect_error(fwd.error(), c["error"], "forward");
    return;
  }
  ASSERT_TRUE(fwd.ok()) << fwd.error().type << ": " << fwd.error().message;
  const Tolerance tol = tolerance_for(c, false);
  expect_tensor(fwd.value().value, c.at("expected").at("output"), tol, "output");
  EXPECT_EQ(fwd.value().warnings, c.value("warnings", std::vector<std::string>{})) << "warnings";

  const Decoded g = decode(c.at("grad_output"));
  const TensorView gv = g.view();
  auto bwd = spec->backward(x, has_dim, dim, &gv);
  ASSERT_TRUE(bwd.ok()) << "backward: " << bwd.error().type << ": " << bwd.error().message;
  expect_tensor(bwd.value(), c.at("expected").at("grad_input"), tol, "grad_input");
}

class GoldenLoss : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenLoss, MatchesTorch) {
  ASSERT_NE(GetParam(), kMissing) << "cannot read " << LOSSLAB_GOLDEN_JSON;
  const json& c = *cases_by_id().at(GetParam());
  if (c.contains("note")) RecordProperty("note", c["note"].get<std::string>());
  for (const bool force_scalar : {false, true}) {
    SCOPED_TRACE(force_scalar ? "scalar reference (force_scalar)" : "SIMD kernels");
    if (c["kind"] == "activation")
      run_activation_case(c, force_scalar);
    else
      run_loss_case(c, force_scalar);
  }
}

std::string sanitize(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Public, GoldenLoss, ::testing::ValuesIn(case_ids()), sanitize);

// The file itself: every non-RNG case is one of the kinds tested above.
TEST(GoldenFile, HasTheExpectedCases) {
  const json& g = golden();
  ASSERT_TRUE(g.is_object() && g.contains("cases")) << "cannot read " << LOSSLAB_GOLDEN_JSON;
  std::size_t tested = 0, rng = 0;
  for (const json& c : g["cases"]) {
    if (is_tested_kind(c))
      ++tested;
    else if (c.value("kind", "").rfind("rng_", 0) == 0)
      ++rng;
    else
      ADD_FAILURE() << "unknown case kind " << c.value("kind", "?");
  }
  EXPECT_EQ(tested + rng, g["cases"].size());
  EXPECT_EQ(tested, cases_by_id().size()) << "duplicate case ids";
}

}  // namespace
}  // namespace losslab
