// Every case of tests/golden/nn_losses.json (torch 1.13.1, scripts/gen_nn_fixtures.py) through the
// registry, with the SIMD kernels and with the scalar reference: forward value, error type and
// text, and the gradient of every operand (null where torch gives none). Operand names must be
// the registry's. Tolerances come from the registry's exactness flags. A function of the
// fixtures that is not registered yet is a reported skip.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "golden_util.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using golden::Decoded;
using golden::json;

const json& fixtures() {
  static const json j = [] {
    std::ifstream f(LOSSLAB_NN_JSON);
    if (!f) return json();
    return json::parse(f, nullptr, /*allow_exceptions=*/false);
  }();
  return j;
}

// The cases of one function (parsed on first use: the fixtures are 5 MB, and every test process
// of the suite would otherwise parse them at start-up).
std::vector<const json*> cases_of(const std::string& fn) {
  std::vector<const json*> out;
  const json& j = fixtures();
  if (j.is_object() && j.contains("cases"))
    for (const json& c : j["cases"])
      if (c["fn"] == fn) out.push_back(&c);
  return out;
}

// An operand: a tensor, or {"list": [...]} (ctc lengths given as Python lists), which the JS API
// turns into an int64 tensor before the call, as done here.
Decoded operand(const json& v) {
  if (v.contains("list")) {
    Decoded d;
    d.dtype = DType::Int64;
    for (const json& e : v["list"]) d.i64.push_back(e.get<int64_t>());
    d.shape = {static_cast<int64_t>(d.i64.size())};
    return d;
  }
  return golden::decode(v);
}

golden::Tolerance tolerance(const LossSpec& spec, const std::string& reduction, bool grad) {
  golden::Tolerance t;
  if (grad)
    t.exact = (spec.exact & kExactGrad) != 0;
  else
    t.exact = (spec.exact & (reduction == "none" ? kExactNone : kExactReduced)) != 0;
  return t;
}

void run_case(const json& c, bool force_scalar) {
  const std::string fn = c.at("fn").get<std::string>();
  const LossSpec* spec = find_loss(fn);
  ASSERT_NE(spec, nullptr) << fn;

  std::vector<Decoded> owned;
  owned.reserve(16);
  LossCall call;
  call.options = spec->defaults();
  call.options.force_scalar = force_scalar;
  const json& ops = c.at("operands");
  ASSERT_EQ(ops.size(), spec->operands.size()) << fn << ": operand count";
  for (std::size_t k = 0; k < ops.size(); ++k) {
    EXPECT_EQ(ops[k][0].get<std::string>(), spec->operands[k].name) << fn << ": operand " << k;
    owned.push_back(operand(ops[k][1]));
    call.operands.push_back(owned.back().view());
  }
  // A mix of lists and Tensors for the list-or-Tensor operands is refused by the JS API before
  // the call (a TypeError, as torch's argument parser raises; its text lists torch's overloads
  // and is not reproduced), so here only the error class is checked.
  {
    int lists = 0, tensors = 0;
    for (std::size_t k = 0; k < ops.size(); ++k)
      if (spec->operands[k].dtypes & kList) (ops[k][1].contains("list") ? lists : tensors)++;
    if (lists > 0 && tensors > 0) {
      ASSERT_TRUE(c.contains("error")) << "a list/Tensor mix that torch accepts";
      EXPECT_EQ(c["error"].at("type").get<std::string>(), "TypeError");
      return;
    }
  }
  const json& opts = c.at("options");
  std::string reduction = spec->has_reduction() ? "mean" : "none";
  for (const auto& [key, value] : opts.items()) {
    if (key == "reduction") {
      reduction = value.get<std::string>();
      auto r = spec->parse_reduction(reduction);
      if (!r) {
        ASSERT_TRUE(c.contains("error")) << r.error().message;
        golden::expect_error(r.error(), c["error"], "reduction");
        return;
      }
      call.options.reduction = r.value();
      continue;
    }
    if (value.is_null()) continue;
    const OptionSpec* p = spec->option(key);
    ASSERT_NE(p, nullptr) << fn << " has no option " << key;
    if (p->field.f) call.options.*(p->field.f) = golden::json_number(value);
    if (p->field.i) call.options.*(p->field.i) = static_cast<int64_t>(golden::json_number(value));
    if (p->field.b) call.options.*(p->field.b) = value.get<bool>();
    if (p->field.t) {
      owned.push_back(golden::decode(value));
      call.options.*(p->field.t) = owned.back().view();
    }
  }
  if (!spec->has_reduction()) call.options.reduction = Reduction::None;

  auto fwd = spec->forward(call);
  if (c.contains("error")) {
    ASSERT_FALSE(fwd.ok()) << "expected " << c["error"].at("type") << ": "
                           << c["error"].at("message");
    golden::expect_error(fwd.error(), c["error"], "forward");
    return;
  }
  ASSERT_TRUE(fwd.ok()) << fwd.error().type << ": " << fwd.error().message;
  golden::expect_tensor(fwd.value().value, c.at("expected").at("output"),
                        tolerance(*spec, reduction, false), "output");
  EXPECT_EQ(fwd.value().warnings, c.value("warnings", std::vector<std::string>{})) << "warnings";

  const json& grads = c.at("expected").at("grads");
  Decoded g;
  const TensorView* gp = nullptr;
  TensorView gv;
  if (!c.at("grad_output").is_null()) {
    g = golden::decode(c["grad_output"]);
    gv = g.view();
    gp = &gv;
  }
  auto bwd = spec->backward(call, gp, kWantAll);
  ASSERT_TRUE(bwd.ok()) << "backward: " << bwd.error().type << ": " << bwd.error().message;
  for (std::size_t k = 0; k < spec->operands.size(); ++k) {
    const std::string name = spec->operands[k].name;
    const auto& got = bwd.value()[k];
    if (!grads.contains(name) || grads[name].is_null() || grads[name].contains("error")) {
      EXPECT_FALSE(got.has_value()) << name << ": torch gives no gradient";
      continue;
    }
    ASSERT_TRUE(got.has_value()) << name << ": no gradient, torch gives one";
    golden::expect_tensor(*got, grads[name], tolerance(*spec, reduction, true), "grad " + name);
  }
}

// One test per registered function (and build path), looping over its cases.
class NnGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void run_all(bool force_scalar) {
    ASSERT_TRUE(fixtures().is_object()) << "tests/golden/nn_losses.json is missing or unreadable";
    const auto cases = cases_of(GetParam());
    ASSERT_FALSE(cases.empty()) << "no cases for " << GetParam();
    // A function losslab does not have yet is a reported skip, never a pass.
    if (!find_loss(GetParam())) GTEST_SKIP() << GetParam() << " is not in the registry yet";
    for (const json* c : cases) {
      SCOPED_TRACE(c->at("id").get<std::string>());
      run_case(*c, force_scalar);
    }
  }
};

TEST_P(NnGolden, Simd) { run_all(false); }
TEST_P(NnGolden, ScalarReference) { run_all(true); }

// The functions the fixtures cover, found by scanning the file's `"fn": "<name>"` keys (every
// test process runs this at start-up; a full parse of the 5 MB would cost ~0.2 s each).
std::vector<std::string> fixture_functions() {
  std::ifstream f(LOSSLAB_NN_JSON);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::set<std::string> names;
  const std::string key = "\"fn\":";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const auto open = text.find('"', at + key.size());
    if (open == std::string::npos) break;
    names.insert(text.substr(open + 1, text.find('"', open + 1) - open - 1));
  }
  if (names.empty()) return {"fixtures_missing"};  // fails in run_all, never silently nothing
  return {names.begin(), names.end()};
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Torch, NnGolden, ::testing::ValuesIn(fixture_functions()), param_name);

}  // namespace
}  // namespace losslab
