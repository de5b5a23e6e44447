#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "losslab/registry.hpp"

using namespace losslab;

TEST(Mse, MeanSumNone) {
  std::vector<float> a{1, 2, 3}, b{1.5f, 2, 5};
  TensorView x{DType::Float32, {3}, a.data()}, y{DType::Float32, {3}, b.data()};
  const LossSpec* s = find_loss("mse_loss");
  ASSERT_NE(s, nullptr);
  LossOptions o;
  auto r = s->forward(x, y, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FLOAT_EQ(*r.value().value.as<float>(), (0.25f + 0 + 4) / 3);
  o.reduction = Reduction::None;
  auto n = s->forward(x, y, o);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value().value.as<float>()[2], 4.0f);
}

TEST(Mse, ShapeMismatchError) {
  std::vector<float> a{1, 2, 3}, b{1, 2, 3, 4};
  TensorView x{DType::Float32, {3}, a.data()}, y{DType::Float32, {4}, b.data()};
  auto r = find_loss("mse_loss")->forward(x, y, LossOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
            "dimension 0");
}
