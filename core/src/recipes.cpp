// The lesson's data recipes (recipes.hpp; spec §6 sequences A, B, C).
#include "losslab/recipes.hpp"

#include <string>
#include <utility>

#include "losslab/ops.hpp"
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

Result<Recipe> make_recipe(const std::string& name, uint64_t seed, int64_t n, int64_t c) {
  if (name == "regression") return regression(seed, n);
  if (name == "binary") return binary(seed, n);
  if (name == "multiclass") return multiclass(seed, n, c);
  return value_error("unknown recipe '" + name + "' (expected regression, binary or multiclass)");
}

}  // namespace losslab
