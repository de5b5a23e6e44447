// The lesson's data recipes (recipes.hpp; spec §6 sequences A, B, C).
#include "losslab/recipes.hpp"

#include <string>
#include <utility>

#include "losslab/detail/softmax.hpp"
#include "losslab/ops.hpp"
#include "losslab/registry.hpp"
#include "losslab/rng.hpp"

namespace losslab {
namespace {

Status check_n(int64_t n) {
  if (n < 1) return value_error("n must be >= 1 (got " + std::to_string(n) + ")");
  // Keep every byte count well inside int64 (the largest tensor is n x c float32/int64).
  if (n > (int64_t{1} << 40)) {
    return oom_error("recipe tensors for n = " + std::to_string(n));
  }
  return Ok{};
}

Status check_c(int64_t c) {
  if (c < 2) return value_error("c must be >= 2 (got " + std::to_string(c) + ")");
  if (c > (int64_t{1} << 20)) return oom_error("recipe tensors for c = " + std::to_string(c));
  return Ok{};
}

// Moves a successful result into the recipe; returns false (and sets err) otherwise.
bool put(Recipe& r, const char* name, Result<Tensor>&& t, Error& err) {
  if (!t.ok()) {
    err = t.error();
    return false;
  }
  r.tensors.emplace_back(name, t.take());
  return true;
}

// t * 2 - 1 in place (float32 0/1 labels -> -1/+1; exact).
void to_sign(Tensor& t) {
  float* p = t.as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] * 2.0f - 1.0f;
}

Result<Tensor> full_int64(const Shape& shape, int64_t v) {
  auto t = alloc_tensor(DType::Int64, shape);
  if (!t) return t;
  int64_t* p = t.value().as<int64_t>();
  for (int64_t i = 0; i < t.value().numel(); ++i) p[i] = v;
  return t;
}

}  // namespace

Result<Recipe> regression(uint64_t seed, int64_t n) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  // torch.randn(size=(n, 1)) twice from one stream.
  if (!put(r, "yhat", randn(gen, {n, 1}, DType::Float32), err)) return err;
  if (!put(r, "y", randn(gen, {n, 1}, DType::Float32), err)) return err;
  return Result<Recipe>(std::move(r));
}

Result<Recipe> binary(uint64_t seed, int64_t n) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "x", rand(gen, {n, 4}, DType::Float32), err)) return err;
  if (!put(r, "w", rand(gen, {4, 1}, DType::Float32), err)) return err;
  if (!put(r, "y", randint(gen, 0, 2, {n, 1}, DType::Float32), err)) return err;
  if (!put(r, "zhat", mm(r.tensors[0].second.view(), r.tensors[1].second.view()), err)) {
    return err;
  }
  if (!put(r, "sigma", sigmoid(r.tensors[3].second.view()), err)) return err;
  return Result<Recipe>(std::move(r));
}

Result<Recipe> multiclass(uint64_t seed, int64_t n, int64_t c) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  st = check_c(c);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "X", rand(gen, {n, 4}, DType::Float32), err)) return err;
  if (!put(r, "w", rand(gen, {4, c}, DType::Float32), err)) return err;
  if (!put(r, "y", randint(gen, 0, c, {n}, DType::Float32), err)) return err;
  if (!put(r, "zhat", mm(r.tensors[0].second.view(), r.tensors[1].second.view()), err)) {
    return err;
  }
  if (!put(r, "y_long", to_dtype(r.tensors[2].second.view(), DType::Int64), err)) return err;
  return Result<Recipe>(std::move(r));
}

Result<Recipe> ranking(uint64_t seed, int64_t n) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "x1", randn(gen, {n}, DType::Float32), err)) return err;
  if (!put(r, "x2", randn(gen, {n}, DType::Float32), err)) return err;
  if (!put(r, "y", randint(gen, 0, 2, {n}, DType::Float32), err)) return err;
  to_sign(r.tensors[2].second);
  return Result<Recipe>(std::move(r));
}

Result<Recipe> embedding(uint64_t seed, int64_t n, int64_t d) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  if (d < 1) return value_error("d must be >= 1 (got " + std::to_string(d) + ")");
  if (d > (int64_t{1} << 20)) return oom_error("recipe tensors for d = " + std::to_string(d));
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "x1", randn(gen, {n, d}, DType::Float32), err)) return err;
  if (!put(r, "x2", randn(gen, {n, d}, DType::Float32), err)) return err;
  if (!put(r, "x3", randn(gen, {n, d}, DType::Float32), err)) return err;
  if (!put(r, "y", randint(gen, 0, 2, {n}, DType::Float32), err)) return err;
  to_sign(r.tensors[3].second);
  return Result<Recipe>(std::move(r));
}

Result<Recipe> counts(uint64_t seed, int64_t n) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "log_rate", randn(gen, {n}, DType::Float32), err)) return err;
  if (!put(r, "k", randint(gen, 0, kCountsHigh, {n}, DType::Float32), err)) return err;
  return Result<Recipe>(std::move(r));
}

Result<Recipe> gaussian(uint64_t seed, int64_t n) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "mu", randn(gen, {n}, DType::Float32), err)) return err;
  if (!put(r, "y", randn(gen, {n}, DType::Float32), err)) return err;
  if (!put(r, "var", rand(gen, {n}, DType::Float32), err)) return err;
  // torch: tensor + python float -> float32 add of float(eps) (one rounding).
  float* v = r.tensors[2].second.as<float>();
  const float eps = static_cast<float>(kGaussianVarEps);
  for (int64_t i = 0; i < n; ++i) v[i] = v[i] + eps;
  return Result<Recipe>(std::move(r));
}

Result<Recipe> multilabel(uint64_t seed, int64_t n, int64_t c) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  st = check_c(c);
  if (!st.ok()) return st.error();
  Generator gen(seed);
  Recipe r;
  Error err;
  if (!put(r, "z", randn(gen, {n, c}, DType::Float32), err)) return err;
  if (!put(r, "y", randint(gen, 0, 2, {n, c}, DType::Float32), err)) return err;
  if (!put(r, "y_class", randint(gen, 0, c, {n}, DType::Int64), err)) return err;
  // y_list: each row's classes with y == 1 in increasing order, then -1 (multilabel_margin_loss).
  auto list = alloc_tensor(DType::Int64, {n, c});
  if (!list) return list.error();
  const float* y = r.tensors[1].second.as<float>();
  int64_t* out = list.value().as<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = 0;
    for (int64_t j = 0; j < c; ++j)
      if (y[i * c + j] != 0.0f) out[i * c + k++] = j;
    for (; k < c; ++k) out[i * c + k] = -1;
  }
  r.tensors.emplace_back("y_list", list.take());
  return Result<Recipe>(std::move(r));
}

Result<Recipe> ctc(uint64_t seed, int64_t n, int64_t c) {
  Status st = check_n(n);
  if (!st.ok()) return st.error();
  st = check_c(c);
  if (!st.ok()) return st.error();
  if (n > (int64_t{1} << 24)) return oom_error("recipe tensors for n = " + std::to_string(n));
  Generator gen(seed);
  Recipe r;
  Error err;
  const int64_t T = kCtcT, S = kCtcS;
  auto x = randn(gen, {T, n, c}, DType::Float32);
  if (!x) return x.error();
  // randn(T, N, C).log_softmax(2), torch's bits (not the faster kernels' within-2-ulp ones).
  auto lp = alloc_tensor(DType::Float32, {T, n, c});
  if (!lp) return lp.error();
  detail::log_softmax_lastdim_torch(x.value().as<float>(), lp.value().as<float>(), T * n, c);
  r.tensors.emplace_back("log_probs", lp.take());
  if (!put(r, "targets", randint(gen, 1, c, {n, S}, DType::Int64), err)) return err;
  if (!put(r, "input_lengths", full_int64({n}, T), err)) return err;
  if (!put(r, "target_lengths", randint(gen, 1, S + 1, {n}, DType::Int64), err)) return err;
  return Result<Recipe>(std::move(r));
}

Result<Recipe> make_recipe(const std::string& name, uint64_t seed, int64_t n, int64_t c) {
  if (name == "regression") return regression(seed, n);
  if (name == "binary") return binary(seed, n);
  if (name == "multiclass") return multiclass(seed, n, c);
  if (name == "ranking") return ranking(seed, n);
  if (name == "embedding") return embedding(seed, n, c);
  if (name == "counts") return counts(seed, n);
  if (name == "gaussian") return gaussian(seed, n);
  if (name == "multilabel") return multilabel(seed, n, c);
  if (name == "ctc") return ctc(seed, n, c);
  return value_error("unknown recipe '" + name + "' (expected " + kRecipeNames + ")");
}

}  // namespace losslab
