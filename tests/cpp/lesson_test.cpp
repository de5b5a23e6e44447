// The lesson, natively and as wasm: torch.manual_seed(420), the lesson's data, and the six
// values it printed, as PyTorch prints them.
#include <gtest/gtest.h>

#include <string>

#include "losslab/format.hpp"
#include "losslab/recipes.hpp"
#include "losslab/registry.hpp"

using namespace losslab;

namespace {

std::string printed(const char* loss, const TensorView& x, const TensorView& y,
                    Reduction r = Reduction::Mean) {
  LossOptions o;
  o.reduction = r;
  auto out = find_loss(loss)->forward(x, y, o);
  EXPECT_TRUE(out.ok()) << out.error().message;
  return out.ok() ? torch_repr(out.value().value.view()) : "";
}

TEST(Lesson, A_RegressionMseMeanAndSum) {
  auto r = make_recipe("regression", 420, 50, 2);
  ASSERT_TRUE(r.ok());
  const TensorView yhat = r.value().get("yhat")->view(), y = r.value().get("y")->view();
  EXPECT_EQ(printed("mse_loss", yhat, y), "tensor(2.4869)");
  EXPECT_EQ(printed("mse_loss", yhat, y, Reduction::Sum), "tensor(124.3458)");
}

TEST(Lesson, B_BinaryBceAndBceWithLogitsAt3e6) {
  auto r = make_recipe("binary", 420, 3000000, 2);
  ASSERT_TRUE(r.ok());
  const Recipe& b = r.value();
  EXPECT_EQ(printed("binary_cross_entropy", b.get("sigma")->view(), b.get("y")->view()),
            "tensor(0.8685)");
  EXPECT_EQ(printed("binary_cross_entropy_with_logits", b.get("zhat")->view(), b.get("y")->view()),
            "tensor(0.8685)");
}

TEST(Lesson, C_MulticlassNllOfLogSoftmaxAndCrossEntropy) {
  auto r = make_recipe("multiclass", 420, 300, 3);
  ASSERT_TRUE(r.ok());
  const Recipe& c = r.value();
  auto logsm = find_activation("log_softmax")->forward(c.get("zhat")->view(), true, 1, false);
  ASSERT_TRUE(logsm.ok());
  EXPECT_EQ(printed("nll_loss", logsm.value().value.view(), c.get("y_long")->view()),
            "tensor(1.1591)");
  EXPECT_EQ(printed("cross_entropy", c.get("zhat")->view(), c.get("y_long")->view()),
            "tensor(1.1591)");
}

}  // namespace
