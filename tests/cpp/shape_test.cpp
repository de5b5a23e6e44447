// losslab::Shape: the std::vector<int64_t> subset the core uses, with kInline dims inside the
// object. Each operation is checked against std::vector on the inline side, across the boundary
// and on the heap side, including the aliasing cases (inserting a shape's own dims).
#include "losslab/shape.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

namespace {
using losslab::Shape;
using Vec = std::vector<int64_t>;

Vec vec(const Shape& s) { return Vec(s.begin(), s.end()); }

TEST(Shape, ConstructsAsAVector) {
  EXPECT_TRUE(Shape().empty());
  EXPECT_EQ(vec(Shape(3)), Vec({0, 0, 0}));
  EXPECT_EQ(vec(Shape(7, 2)), Vec(7, 2));
  EXPECT_EQ(vec(Shape{4, 5}), Vec({4, 5}));
  EXPECT_EQ(vec(Shape{}), Vec{});
  const Vec v{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(vec(Shape(v)), v);
  EXPECT_EQ(vec(Shape(v.begin() + 2, v.end())), Vec({3, 4, 5, 6, 7, 8}));
  const Vec back = Shape{9, 8, 7};
  EXPECT_EQ(back, Vec({9, 8, 7}));
}

TEST(Shape, StaysInlineUpToKInline) {
  Shape s;
  for (std::size_t i = 0; i < Shape::kInline; ++i) s.push_back(static_cast<int64_t>(i));
  EXPECT_EQ(s.capacity(), Shape::kInline);
  const int64_t* inside = s.data();
  EXPECT_TRUE(inside >= reinterpret_cast<const int64_t*>(&s) &&
              inside < reinterpret_cast<const int64_t*>(&s + 1));
  s.push_back(99);  // past the inline room: the heap, the values kept
  EXPECT_GT(s.capacity(), Shape::kInline);
  Vec want(Shape::kInline);
  std::iota(want.begin(), want.end(), 0);
  want.push_back(99);
  EXPECT_EQ(vec(s), want);
}

TEST(Shape, CopiesAndMovesOnBothSides) {
  for (std::size_t n : {std::size_t{0}, std::size_t{2}, Shape::kInline, Shape::kInline + 3}) {
    Vec v(n);
    std::iota(v.begin(), v.end(), 10);
    Shape a(v);
    Shape b(a);
    EXPECT_EQ(vec(b), v);
    Shape c(std::move(b));
    EXPECT_EQ(vec(c), v);
    EXPECT_TRUE(b.empty());  // NOLINT: moved-from is empty, as a vector's
    Shape d{1};
    d = c;
    EXPECT_EQ(vec(d), v);
    Shape e{1, 2, 3, 4, 5, 6, 7, 8};
    e = std::move(d);
    EXPECT_EQ(vec(e), v);
    const Shape& alias = e;
    e = alias;  // self-assignment keeps the values
    EXPECT_EQ(vec(e), v);
    EXPECT_EQ(e, c);
  }
}

TEST(Shape, InsertEraseResizeMatchAVectorInARandomWalk) {
  std::mt19937 rng(420);
  Shape s;
  Vec v;
  for (int step = 0; step < 4000; ++step) {
    const int op = static_cast<int>(rng() % 7);
    const std::size_t at = v.empty() ? 0 : rng() % (v.size() + 1);
    const auto x = static_cast<int64_t>(rng() % 1000);
    switch (op) {
      case 0:
        s.push_back(x);
        v.push_back(x);
        break;
      case 1:
        if (!v.empty()) {
          s.pop_back();
          v.pop_back();
        }
        break;
      case 2:
        s.insert(s.begin() + at, x);
        v.insert(v.begin() + at, x);
        break;
      case 3:
        if (at < v.size()) {
          s.erase(s.begin() + at);
          v.erase(v.begin() + static_cast<std::ptrdiff_t>(at));
        }
        break;
      case 4: {
        const std::size_t n = rng() % 12;
        s.resize(n, x);
        v.resize(n, x);
        break;
      }
      case 5: {  // insert a range of its own dims (aliasing)
        const std::size_t k = v.empty() ? 0 : rng() % v.size();
        const Vec part(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k));
        s.insert(s.begin() + at, s.begin(), s.begin() + k);
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), part.begin(), part.end());
        break;
      }
      case 6:
        if (v.size() > 12) {  // keep it small enough to cross the boundary often
          s.erase(s.begin() + 2, s.end());
          v.erase(v.begin() + 2, v.end());
        }
        break;
    }
    ASSERT_EQ(vec(s), v) << "step " << step << " op " << op;
    ASSERT_EQ(s.size(), v.size());
    if (!v.empty()) {
      ASSERT_EQ(s.front(), v.front());
      ASSERT_EQ(s.back(), v.back());
    }
  }
}

TEST(Shape, ComparesAsAVector) {
  EXPECT_EQ(Shape({1, 2}), Shape({1, 2}));
  EXPECT_NE(Shape({1, 2}), Shape({1, 2, 1}));
  EXPECT_NE(Shape({1, 2}), Shape({2, 1}));
  EXPECT_TRUE(Shape({1, 2}) < Shape({1, 3}));
  EXPECT_FALSE(Shape({1, 3}) < Shape({1, 2}));
  EXPECT_EQ(Shape(Vec(9, 1)), Shape(9, 1));
  Shape r{1, 2, 3};
  EXPECT_EQ(Vec(r.rbegin(), r.rend()), Vec({3, 2, 1}));
  r.clear();
  EXPECT_TRUE(r.empty());
}

}  // namespace
