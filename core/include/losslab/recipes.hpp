// losslab core: the lesson's data recipes, reproducing the tutorial's torch programs bit for bit
// (spec §6). Each recipe seeds a fresh Generator with manual_seed(seed) and draws in the
// tutorial's order from that one stream:
//   regression(seed, n):    yhat = randn([n, 1]); y = randn([n, 1])                    (seq. A)
//   binary(seed, n):        x = rand([n, 4]); w = rand([4, 1]);
//                           y = randint(0, 2, [n, 1], float32); zhat = mm(x, w);
//                           sigma = sigmoid(zhat)                                       (seq. B)
//   multiclass(seed, n, c): X = rand([n, 4]); w = rand([4, c]);
//                           y = randint(0, c, [n], float32); zhat = mm(X, w);
//                           y_long = y.long() (int64)                                   (seq. C)
// The recipes of the other torch.nn.functional losses, drawn the same way (the page's PyTorch
// code, web/codegen.mjs, prints these lines):
//   ranking(seed, n):       x1 = randn([n]); x2 = randn([n]);
//                           y = randint(0, 2, [n], float32) * 2 - 1            (+-1 labels)
//   embedding(seed, n, d):  x1, x2, x3 = randn([n, d]) x3; y = randint(0, 2, [n], float32) * 2 - 1
//   counts(seed, n):        log_rate = randn([n]); k = randint(0, 8, [n], float32)
//                           (Poisson counts)
//   gaussian(seed, n):      mu = randn([n]); y = randn([n]); var = rand([n]) + 0.1
//   multilabel(seed, n, c): z = randn([n, c]); y = randint(0, 2, [n, c], float32);
//                           y_class = randint(0, c, [n]) (int64);
//                           y_list = each row's classes with y == 1, ascending, then -1 (int64):
//                             torch.where(y.bool(), torch.arange(c), c).sort(dim=1).values,
//                             with c replaced by -1
//   ctc(seed, n, c):        log_probs = randn([T, n, c]).log_softmax(2)  (T = 30);
//                           targets = randint(1, c, [n, S]) (S = 10); input_lengths = full([n], T);
//                           target_lengths = randint(1, S + 1, [n])
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

struct Recipe {
  // Named outputs in the order listed above.
  std::vector<std::pair<std::string, Tensor>> tensors;
  // The tensor called `name`, or nullptr.
  const Tensor* get(const std::string& name) const {
    for (const auto& kv : tensors) {
      if (kv.first == name) return &kv.second;
    }
    return nullptr;
  }
};

// ValueError "n must be >= 1 (got 0)" for n < 1; "c must be >= 2 (got 1)" for c < 2.
Result<Recipe> regression(uint64_t seed, int64_t n);
Result<Recipe> binary(uint64_t seed, int64_t n);
Result<Recipe> multiclass(uint64_t seed, int64_t n, int64_t c);

Result<Recipe> ranking(uint64_t seed, int64_t n);
Result<Recipe> embedding(uint64_t seed, int64_t n, int64_t d);
Result<Recipe> counts(uint64_t seed, int64_t n);
Result<Recipe> gaussian(uint64_t seed, int64_t n);
Result<Recipe> multilabel(uint64_t seed, int64_t n, int64_t c);
Result<Recipe> ctc(uint64_t seed, int64_t n, int64_t c);

constexpr int64_t kCountsHigh = 8;       // counts: k = randint(0, 8)
constexpr double kGaussianVarEps = 0.1;  // gaussian: var = rand + 0.1
constexpr int64_t kCtcT = 30;            // ctc: input length
constexpr int64_t kCtcS = 10;            // ctc: longest target
constexpr const char* kRecipeNames =
    "regression, binary, multiclass, ranking, embedding, counts, gaussian, multilabel or ctc";

// By name: one of kRecipeNames (c is the classes of multiclass / multilabel / ctc and the
// dimension d of embedding; the other recipes ignore it).
// Unknown name: ValueError "unknown recipe 'x' (expected regression, binary, ..., or ctc)".
Result<Recipe> make_recipe(const std::string& name, uint64_t seed, int64_t n, int64_t c);

}  // namespace losslab
