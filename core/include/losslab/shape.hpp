// A tensor's dims: the part of std::vector<int64_t> the core uses, with up to kInline dims kept
// inside the object. Every view the JS API hands over, every broadcast and every result has a
// shape, so with a vector a small loss call made and freed four or five of them; with this it
// makes none (README: "Small calls"). More than kInline dims go to the heap.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <type_traits>
#include <vector>

namespace losslab {

class Shape {
 public:
  using value_type = int64_t;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t&;
  using const_reference = const int64_t&;
  using pointer = int64_t*;
  using const_pointer = const int64_t*;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;
  static constexpr std::size_t kInline = 5;

  Shape() noexcept {}
  explicit Shape(std::size_t n, int64_t v = 0) { assign(n, v); }
  Shape(std::initializer_list<int64_t> l) { assign(l.begin(), l.end()); }
  template <class It, class = std::enable_if_t<!std::is_integral<It>::value>>
  Shape(It first, It last) {
    assign(first, last);
  }
  // Interchangeable with the vectors some APIs use (strides, index lists).
  Shape(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: implicit
  operator std::vector<int64_t>() const { return std::vector<int64_t>(begin(), end()); }

  Shape(const Shape& o) { assign(o.begin(), o.end()); }
  Shape(Shape&& o) noexcept { steal(o); }
  Shape& operator=(const Shape& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  Shape& operator=(Shape&& o) noexcept {
    if (this != &o) {
      drop();
      steal(o);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<int64_t> l) {
    assign(l.begin(), l.end());
    return *this;
  }
  ~Shape() { drop(); }

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::size_t capacity() const { return heap_ ? cap_ : kInline; }
  int64_t* data() { return heap_ ? heap_ : inline_; }
  const int64_t* data() const { return heap_ ? heap_ : inline_; }
  iterator begin() { return data(); }
  iterator end() { return data() + n_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + n_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }
  int64_t& operator[](std::size_t i) { return data()[i]; }
  const int64_t& operator[](std::size_t i) const { return data()[i]; }
  int64_t& front() { return data()[0]; }
  const int64_t& front() const { return data()[0]; }
  int64_t& back() { return data()[n_ - 1]; }
  const int64_t& back() const { return data()[n_ - 1]; }

  void reserve(std::size_t n) {
    if (n <= capacity()) return;
    auto* p = static_cast<int64_t*>(std::malloc(n * sizeof(int64_t)));
    if (!p) out_of_memory();
    if (n_) std::memcpy(p, data(), n_ * sizeof(int64_t));
    if (heap_) std::free(heap_);
    heap_ = p;
    cap_ = static_cast<uint32_t>(n);
  }
  void resize(std::size_t n, int64_t v = 0) {
    if (n > n_) {
      if (n > capacity()) reserve(grown(n));
      std::fill(data() + n_, data() + n, v);
    }
    n_ = static_cast<uint32_t>(n);
  }
  void clear() { n_ = 0; }
  void push_back(int64_t v) {
    if (n_ == capacity()) reserve(grown(n_ + 1));
    data()[n_++] = v;
  }
  void pop_back() { --n_; }
  template <class It, class = std::enable_if_t<!std::is_integral<It>::value>>
  void assign(It first, It last) {
    const auto n = static_cast<std::size_t>(std::distance(first, last));
    n_ = 0;
    reserve(n);
    std::copy(first, last, data());
    n_ = static_cast<uint32_t>(n);
  }
  void assign(std::size_t n, int64_t v) {
    n_ = 0;
    reserve(n);
    std::fill(data(), data() + n, v);
    n_ = static_cast<uint32_t>(n);
  }
  iterator insert(const_iterator pos, int64_t v) {
    const auto at = static_cast<std::size_t>(pos - begin());
    if (n_ == capacity()) reserve(grown(n_ + 1));
    int64_t* d = data();
    std::memmove(d + at + 1, d + at, (n_ - at) * sizeof(int64_t));
    d[at] = v;
    ++n_;
    return d + at;
  }
  template <class It, class = std::enable_if_t<!std::is_integral<It>::value>>
  iterator insert(const_iterator pos, It first, It last) {
    const auto at = static_cast<std::size_t>(pos - begin());
    const Shape add(first, last);  // (first, last) may point into this shape
    const std::size_t k = add.size();
    if (n_ + k > capacity()) reserve(grown(n_ + k));
    int64_t* d = data();
    std::memmove(d + at + k, d + at, (n_ - at) * sizeof(int64_t));
    std::copy(add.begin(), add.end(), d + at);
    n_ += static_cast<uint32_t>(k);
    return d + at;
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const auto at = static_cast<std::size_t>(first - begin());
    const auto k = static_cast<std::size_t>(last - first);
    int64_t* d = data();
    std::memmove(d + at, d + at + k, (n_ - at - k) * sizeof(int64_t));
    n_ -= static_cast<uint32_t>(k);
    return d + at;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  friend bool operator<(const Shape& a, const Shape& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::size_t grown(std::size_t need) const { return std::max(need, 2 * capacity()); }
  void drop() {
    if (heap_) std::free(heap_);
    heap_ = nullptr;
    n_ = 0;
  }
  void steal(Shape& o) noexcept {
    n_ = o.n_;
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
    } else {
      // (n_ <= kInline here; the min says so to GCC, whose -O1 bounds check cannot see it)
      std::memcpy(inline_, o.inline_, std::min<std::size_t>(n_, kInline) * sizeof(int64_t));
    }
    o.n_ = 0;
  }
  // A few bytes for a shape of more than kInline dims: std::vector without exceptions (the wasm
  // builds) aborts here too.
  [[noreturn]] static void out_of_memory() { std::abort(); }

  uint32_t n_ = 0;           // (a tensor has at most 2^31 dims: JS arrays' length)
  uint32_t cap_ = 0;         // the heap block's (heap_ set)
  int64_t* heap_ = nullptr;  // null: the dims are in inline_
  int64_t inline_[kInline];
};

}  // namespace losslab
