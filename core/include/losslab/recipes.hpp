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

// By name: "regression", "binary" or "multiclass" (c is used, and checked, by multiclass only).
// Unknown name: ValueError "unknown recipe 'x' (expected regression, binary or multiclass)".
Result<Recipe> make_recipe(const std::string& name, uint64_t seed, int64_t n, int64_t c);

}  // namespace losslab
