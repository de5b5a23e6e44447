// The core's nn/optim pieces against torch 1.13.1 (tests/golden/optim.json, made by
// scripts/gen_optim_fixtures.py): Tensor.uniform_ and its errors, nn.Linear's default init as the
// draws the JS API makes (uniform_ with torch's kaiming bound), and the seeded SGD loops whose
// ops are exact (mm / addmm, the exact losses, every SGD option), run on the core's autograd:
// every step's loss and the final parameters bit for bit. Natively, sanitized and as wasm.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "golden_util.hpp"
#include "losslab/autograd.hpp"
#include "losslab/ops.hpp"
#include "losslab/optim.hpp"
#include "losslab/registry.hpp"
#include "losslab/rng.hpp"

namespace losslab {
namespace {

using golden::json;
namespace ag = autograd;

const json& fixture() {
  static const json j = [] {
    std::ifstream f(LOSSLAB_OPTIM_JSON);
    return json::parse(f);
  }();
  return j;
}

DType dtype_of(const json& c) { return *dtype_from_name(c.at("dtype").get<std::string>()); }

Shape shape_of(const json& s) {
  Shape out;
  for (const auto& d : s) out.push_back(d.get<int64_t>());
  return out;
}

TEST(Uniform, TorchDrawsAndErrors) {
  int n = 0;
  for (const auto& c : fixture().at("uniform")) {
    const std::string id = c.at("id").get<std::string>();
    Tensor t(dtype_of(c), shape_of(c.at("shape")));
    ASSERT_TRUE(t.ok());
    std::memset(t.data(), 0, t.nbytes());
    const double lo = golden::json_number(c.at("from")), hi = golden::json_number(c.at("to"));
    Generator gen(c.value("seed", 0));
    const Status st = uniform_(gen, t.dtype(), t.data(), t.numel(), lo, hi);
    if (c.contains("error")) {
      ASSERT_FALSE(st.ok()) << id;
      golden::expect_error(st.error(), c.at("error"), id);
      for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(golden::element(t, i), 0) << id;
    } else {
      ASSERT_TRUE(st.ok()) << id;
      golden::expect_tensor(t, c.at("out"), {true}, id);
    }
    ++n;
  }
  EXPECT_GE(n, 9);
}

// nn.Linear's reset_parameters as the JS API runs it: kaiming_uniform_(a = sqrt(5)), then the
// bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from one generator.
struct LinearParams {
  Tensor weight, bias;
};
LinearParams linear_init(Generator& gen, int64_t in, int64_t out, bool bias, DType dt) {
  LinearParams p{Tensor(dt, {out, in}), Tensor()};
  const double a = std::sqrt(5.0);
  const double bound = std::sqrt(3.0) * (std::sqrt(2.0 / (1 + a * a)) / std::sqrt(double(in)));
  EXPECT_TRUE(uniform_(gen, dt, p.weight.data(), p.weight.numel(), -bound, bound).ok());
  if (bias) {
    p.bias = Tensor(dt, {out});
    const double b = 1 / std::sqrt(double(in));
    EXPECT_TRUE(uniform_(gen, dt, p.bias.data(), p.bias.numel(), -b, b).ok());
  }
  return p;
}

TEST(LinearInit, TorchsSeededWeightsAndGeneratorPosition) {
  for (const auto& c : fixture().at("init")) {
    const std::string id = c.at("id").get<std::string>();
    Generator gen(c.at("seed").get<uint64_t>());
    const bool bias = c.at("bias").get<bool>();
    auto p =
        linear_init(gen, c.at("in").get<int64_t>(), c.at("out").get<int64_t>(), bias, dtype_of(c));
    golden::expect_tensor(p.weight, c.at("weight"), {true}, id + " weight");
    if (bias) golden::expect_tensor(p.bias, c.at("bias_value"), {true}, id + " bias");
    auto after = rand(gen, {3});
    ASSERT_TRUE(after.ok());
    golden::expect_tensor(after.value(), c.at("after"), {true}, id + " next draw");
  }
}

ag::VarPtr leaf(Tensor t, bool rg = false) {
  auto v = ag::make_var(std::move(t), rg);
  EXPECT_TRUE(v.ok());
  return v.take();
}

TEST(SgdLoop, ExactLoopsAreTorchsBitsEveryStep) {
  int ran = 0;
  for (const auto& c : fixture().at("train")) {
    const std::string id = c.at("id").get<std::string>(), model = c.at("model").get<std::string>();
    const std::string loss = c.at("loss").get<std::string>();
    if (c.at("data") != "regression" || model == "mlp") continue;
    SCOPED_TRACE(id);
    const DType dt = dtype_of(c);
    const int64_t n = c.at("n").get<int64_t>(), k = c.at("c").get<int64_t>();
    Generator gen(c.at("seed").get<uint64_t>());
    ag::VarPtr X = leaf(rand(gen, {n, 4}, dt).take()), y = leaf(randn(gen, {n, k}, dt).take());
    std::vector<std::pair<std::string, ag::VarPtr>> params;
    if (model == "w") {
      params.emplace_back("w", leaf(rand(gen, {4, k}, dt).take(), true));
    } else {
      auto p = linear_init(gen, 4, k, true, dt);
      params.emplace_back("weight", leaf(std::move(p.weight), true));
      params.emplace_back("bias", leaf(std::move(p.bias), true));
    }
    SgdOptions o;
    const json& oj = c.at("opt");
    o.lr = oj.at("lr").get<double>();
    o.momentum = oj.value("momentum", 0.0);
    o.dampening = oj.value("dampening", 0.0);
    o.weight_decay = oj.value("weight_decay", 0.0);
    o.nesterov = oj.value("nesterov", false);
    o.maximize = oj.value("maximize", false);
    std::vector<Tensor> buffers(params.size());
    const LossSpec* spec = find_loss(loss == "l1"      ? "l1_loss"
                                     : loss == "huber" ? "huber_loss"
                                                       : "mse_loss");
    ASSERT_NE(spec, nullptr);
    const auto& losses = c.at("losses");
    for (int step = 0; step < c.at("steps").get<int>(); ++step) {
      for (auto& [name, p] : params) {  // optimizer.zero_grad(): in place (torch 1.13)
        if (p->grad) {
          std::memset(p->grad->storage->data.data(), 0, p->grad->storage->data.nbytes());
          ag::bump_version(*p->grad);
        }
      }
      Result<ag::VarPtr> z = model == "w" ? ag::mm(X, params[0].second) : [&] {
        auto wt = ag::t(params[0].second);
        return wt ? ag::addmm(params[1].second, X, wt.value()) : Result<ag::VarPtr>(wt.error());
      }();
      ASSERT_TRUE(z.ok()) << z.error().message;
      LossCall call{{z.value()->view(), y->view()}, {}};
      call.options.reduction = loss == "mse_sum" ? Reduction::Sum : Reduction::Mean;
      if (loss == "huber") call.options.delta = 0.5;
      auto l = ag::loss(*spec, call, {z.value(), y}, {}, nullptr);
      ASSERT_TRUE(l.ok()) << l.error().message;
      ASSERT_TRUE(ag::backward(l.value(), nullptr).ok());
      for (std::size_t i = 0; i < params.size(); ++i) {
        ASSERT_TRUE(ag::sgd_step(params[i].second, buffers[i], o).ok());
      }
      json want = {{"dtype", c.at("dtype")},
                   {"shape", json::array()},
                   {"hex", json::array({losses[static_cast<std::size_t>(step)]})},
                   {"values", json::array({0})}};
      golden::expect_tensor(l.value()->data(), want, {true},
                            "loss at step " + std::to_string(step));
      if (::testing::Test::HasFailure()) return;
    }
    for (auto& [name, p] : params)
      golden::expect_tensor(p->data(), c.at("final").at(name), {true}, name);
    ++ran;
  }
  EXPECT_GE(ran, 7);
}

TEST(SgdUpdate, MismatchesAreErrorsAndWriteNothing) {
  Tensor p(DType::Float32, {3}), g(DType::Float32, {2}), buf;
  std::memset(p.data(), 0, p.nbytes());
  std::memset(g.data(), 0, g.nbytes());
  SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  const Status st = sgd_update(p, g.view(), buf, o);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("does not match its parameter"), std::string::npos);
  EXPECT_FALSE(buf.ok()) << "no buffer made on error";
}

TEST(Addmm, TorchsErrors) {
  Tensor x(DType::Float32, {5, 4}), w(DType::Float32, {4, 3}), b(DType::Float32, {4});
  auto r = addmm(b.view(), x.view(), w.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "The expanded size of the tensor (3) must match the existing size (4) at "
            "non-singleton dimension 1.  Target sizes: [5, 3].  Tensor sizes: [4]");
  Tensor b3(DType::Float32, {1, 5, 3});
  r = addmm(b3.view(), x.view(), w.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "expand(torch.FloatTensor{[1, 5, 3]}, size=[5, 3]): the number of sizes provided (2) "
            "must be greater or equal to the number of dimensions in the tensor (3)");
}

}  // namespace
}  // namespace losslab
