// fused() (arith.hpp), the one-pass evaluation of a deferred float32 chain, against the eager ops
// it stands for: random programs over every fusible op, numbers on either side, lengths around
// the chunk, edge values, bit for bit; malformed programs refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "losslab/arith.hpp"

using namespace losslab;

namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

Tensor f32(const std::vector<float>& v) {
  auto t = alloc_tensor(DType::Float32, {static_cast<int64_t>(v.size())});
  std::memcpy(t.value().as<float>(), v.data(), v.size() * sizeof(float));
  return std::move(t.value());
}

// Values the chains meet: ordinary ones, and the edges (signed zeros, subnormals, huge, inf, NaN).
std::vector<float> values(std::mt19937& g, int64_t n) {
  const float edges[] = {0.0f,   -0.0f,    1.0f,      -1.0f, 1e-40f, -1e-40f, 3e38f,
                         -3e38f, INFINITY, -INFINITY, NAN,   0.5f,   2.0f,    1e-30f};
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  std::uniform_int_distribution<int> pick(0, 15);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) {
    const int p = pick(g);
    x = p < 14 && p % 3 == 0 ? edges[p] : u(g);
  }
  return v;
}

Scalar number(std::mt19937& g) {
  const double fs[] = {1.0, 0.5, -2.5, 0.1, 1e30, -0.0, 3.0, 1e-8};
  const int64_t is[] = {1, 0, -3, 2, 7};
  std::uniform_int_distribution<int> pick(0, 12);
  const int p = pick(g);
  if (p < 8) return Scalar{true, fs[p], 0};
  return Scalar{false, 0, is[p - 8]};
}

// A random program over `ninputs` inputs, and its eager evaluation: the value of each instruction.
struct Case {
  std::vector<FusedIns> code;
  std::vector<Tensor> eager;
};

Case random_case(std::mt19937& g, const std::vector<Tensor>& inputs, int length) {
  Case c;
  std::uniform_int_distribution<int> kind(0, 9);
  const auto any_before = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(g); };
  for (int k = 0; k < length; ++k) {
    FusedIns in;
    const int r = k == 0 ? 0 : kind(g);
    Result<Tensor> v = value_error("unset");
    if (r <= 1) {  // an input
      in.kind = FusedIns::Input;
      in.input = std::uniform_int_distribution<int>(0, static_cast<int>(inputs.size()) - 1)(g);
      const Tensor& x = inputs[static_cast<std::size_t>(in.input)];
      v = f32(std::vector<float>(x.as<float>(), x.as<float>() + x.numel()));
    } else if (r <= 6) {  // binary: x op y, x op number, number op x
      in.kind = FusedIns::Binary;
      in.op = std::uniform_int_distribution<int>(0, 3)(g);
      const int side = std::uniform_int_distribution<int>(0, 2)(g);
      in.a = side == 1 ? -1 : any_before(k);
      in.b = side == 2 ? -1 : any_before(k);
      if (side != 0) in.s = number(g);
      TensorView va, vb;
      Operand a = Operand::of(in.s), b = Operand::of(in.s);
      if (in.a >= 0) va = c.eager[static_cast<std::size_t>(in.a)].view(), a = Operand::of(va);
      if (in.b >= 0) vb = c.eager[static_cast<std::size_t>(in.b)].view(), b = Operand::of(vb);
      v = binary(static_cast<BinOp>(in.op), a, b);
    } else if (r <= 8) {
      in.kind = FusedIns::Unary;
      in.op = std::uniform_int_distribution<int>(0, static_cast<int>(UnaryOp::Relu))(g);
      in.a = any_before(k);
      v = unary(static_cast<UnaryOp>(in.op), c.eager[static_cast<std::size_t>(in.a)].view());
    } else {
      in.kind = FusedIns::Neg;
      in.a = any_before(k);
      v = neg(c.eager[static_cast<std::size_t>(in.a)].view());
    }
    EXPECT_TRUE(v.ok()) << v.error().message;
    c.code.push_back(in);
    c.eager.push_back(std::move(v.value()));
  }
  return c;
}

}  // namespace

TEST(Fused, RandomChainsAreTheEagerOpsBitForBit) {
  std::mt19937 g(420);
  int programs = 0, unary_seen = 0;
  for (int64_t n : {1, 7, 2047, 2048, 2049, 4096 + 13}) {
    std::vector<Tensor> inputs;
    for (int i = 0; i < 3; ++i) inputs.push_back(f32(values(g, n)));
    std::vector<const float*> ptrs;
    for (const auto& t : inputs) ptrs.push_back(t.as<float>());
    for (int rep = 0; rep < 40; ++rep) {
      const int length = std::uniform_int_distribution<int>(1, 24)(g);
      Case c = random_case(g, inputs, length);
      for (const auto& in : c.code) unary_seen += in.kind == FusedIns::Unary;
      auto r = fused(c.code, ptrs, {n});
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_EQ(r.value().shape(), Shape{n});
      const float* got = r.value().as<float>();
      const float* want = c.eager.back().as<float>();
      ASSERT_EQ(c.eager.back().dtype(), DType::Float32);
      int bad = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (bits(got[i]) != bits(want[i]) && ++bad <= 3)
          ADD_FAILURE() << "n " << n << " program " << rep << " [" << i << "]: " << got[i]
                        << " vs eager " << want[i];
      }
      ++programs;
    }
  }
  EXPECT_EQ(programs, 240);
  EXPECT_GT(unary_seen, 200);
}

TEST(Fused, ShapesAndTheEmptyTensor) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::vector<const float*> in = {x.data()};
  std::vector<FusedIns> code(2);
  code[1].kind = FusedIns::Unary;
  code[1].op = static_cast<int>(UnaryOp::Square);
  code[1].a = 0;
  auto r = fused(code, in, {2, 3});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), (Shape{2, 3}));
  EXPECT_EQ(r.value().as<float>()[5], 36.0f);
  auto e = fused(code, in, {0, 3});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.value().numel(), 0);
  // a lone input is a copy
  auto c = fused({FusedIns{}}, in, {6});
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c.value().as<float>(), x.data());
  EXPECT_EQ(c.value().as<float>()[2], 3.0f);
}

TEST(Fused, MalformedProgramsAreRefusedByInstruction) {
  const std::vector<float> x = {1, 2};
  const std::vector<const float*> in = {x.data()};
  const auto msg = [&](const std::vector<FusedIns>& code) {
    auto r = fused(code, in, {2});
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(msg({}), "fused: empty program");
  FusedIns input, bin, un;
  bin.kind = FusedIns::Binary;
  un.kind = FusedIns::Unary;
  FusedIns far = input;
  far.input = 1;
  EXPECT_EQ(msg({far}), "fused: instruction 0: no such input");
  bin.a = 0, bin.b = 1;  // b is not earlier
  EXPECT_EQ(msg({input, bin}), "fused: instruction 1: bad operands");
  bin.a = -1, bin.b = -1;  // two numbers
  EXPECT_EQ(msg({input, bin}), "fused: instruction 1: bad operands");
  bin.a = 0, bin.b = 0, bin.op = static_cast<int>(BinOp::Pow);
  EXPECT_EQ(msg({input, bin}), "fused: instruction 1: not a fusible binary op");
  un.op = static_cast<int>(UnaryOp::Relu) + 1, un.a = 0;
  EXPECT_EQ(msg({input, un}), "fused: instruction 1: not a unary op");
  un.op = 0, un.a = 1;
  EXPECT_EQ(msg({input, un}), "fused: instruction 1: bad operand");
  FusedIns odd;
  odd.kind = static_cast<FusedIns::Kind>(7);
  EXPECT_EQ(msg({input, odd}), "fused: instruction 1: unknown kind");
  bin.op = static_cast<int>(BinOp::Add);
  EXPECT_EQ(msg({input, bin}), "ok");
}
