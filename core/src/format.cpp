// A port of torch/_tensor_str.py (1.13): _Formatter (int_mode / sci_mode / width), the
// summarised print above 1000 elements, _vector_str line wrapping, and the dtype suffix.
// snprintf's %.4f / %.4e round the exact binary value half to even, like Python's format().
#include "losslab/format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace losslab {
namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdge = 3;
constexpr int kLinewidth = 80;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Python's '{:.0f}' / '{:.4f}' / '{:.4e}' for finite and non-finite values.
std::string py_fixed(double v, int prec) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt(prec == 0 ? "%.0f" : "%.4f", v);
}
std::string py_sci(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt("%.4e", v);
}

struct Formatter {
  bool boolean = false;  // True / False
  bool floating = true;
  bool int_mode = true;
  bool sci_mode = false;
  std::size_t max_width = 1;

  Formatter(const std::vector<double>& vals, bool is_floating, bool is_bool = false)
      : boolean(is_bool), floating(is_floating) {
    if (boolean) {
      for (double v : vals) max_width = std::max<std::size_t>(max_width, v != 0 ? 4 : 5);
      return;
    }
    if (!floating) {
      for (double v : vals) max_width = std::max(max_width, fmt("%.0f", v).size());
      return;
    }
    std::vector<double> nz;
    for (double v : vals)
      if (std::isfinite(v) && v != 0) nz.push_back(v);
    if (nz.empty()) return;
    double mn = INFINITY, mx = 0;
    for (double v : nz) {
      mn = std::min(mn, std::fabs(v));
      mx = std::max(mx, std::fabs(v));
    }
    for (double v : nz)
      if (v != std::ceil(v)) {
        int_mode = false;
        break;
      }
    if (int_mode) {
      if (mx / mn > 1000. || mx > 1.e8) {
        sci_mode = true;
        for (double v : nz) max_width = std::max(max_width, py_sci(v).size());
      } else {
        for (double v : nz) max_width = std::max(max_width, py_fixed(v, 0).size() + 1);
      }
    } else if (mx / mn > 1000. || mx > 1.e8 || mn < 1.e-4) {
      sci_mode = true;
      for (double v : nz) max_width = std::max(max_width, py_sci(v).size());
    } else {
      for (double v : nz) max_width = std::max(max_width, py_fixed(v, kPrecision).size());
    }
  }

  std::string format(double v) const {
    std::string r;
    if (boolean)
      r = v != 0 ? "True" : "False";
    else if (!floating)
      r = fmt("%.0f", v);
    else if (sci_mode)
      r = py_sci(v);
    else if (int_mode) {
      r = py_fixed(v, 0);
      if (std::isfinite(v)) r += ".";
    } else
      r = py_fixed(v, kPrecision);
    if (r.size() < max_width) r = std::string(max_width - r.size(), ' ') + r;
    return r;
  }
};

double value_at(const TensorView& t, int64_t i) {
  switch (t.dtype) {
    case DType::Float32: return t.as<float>()[i];
    case DType::Float64: return t.as<double>()[i];
    case DType::Int64: return static_cast<double>(t.as<int64_t>()[i]);
    case DType::Int32: return t.as<int32_t>()[i];
    case DType::Bool: return t.as<bool>()[i] ? 1 : 0;
  }
  return 0;
}

// Element offsets of a (sub)tensor: `base` + strides over `shape` from dimension `d` on.
struct Walker {
  const TensorView& t;
  std::vector<int64_t> strides;
  explicit Walker(const TensorView& tv) : t(tv), strides(tv.shape.size(), 1) {
    for (std::size_t d = tv.shape.size(); d-- > 1;) strides[d - 1] = strides[d] * tv.shape[d];
  }
  // Indices kept along dimension d when summarising.
  std::vector<int64_t> kept(std::size_t d, bool summarize) const {
    const int64_t n = t.shape[d];
    std::vector<int64_t> idx;
    if (summarize && n > 2 * kEdge) {
      for (int64_t i = 0; i < kEdge; ++i) idx.push_back(i);
      for (int64_t i = n - kEdge; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }
  // The values printed, in order (every element, or the summary's edges). Iterative, as str()
  // is: a tensor may have thousands of dims (torch prints 5000 dims of size 1 fine).
  void collect(bool summarize, std::vector<double>& out) const {
    const std::size_t nd = t.shape.size();
    std::vector<std::vector<int64_t>> idx(nd);
    for (std::size_t d = 0; d < nd; ++d) {
      idx[d] = kept(d, summarize);
      if (idx[d].empty()) return;
    }
    std::vector<std::size_t> pos(nd, 0);
    for (;;) {
      int64_t off = 0;
      for (std::size_t d = 0; d < nd; ++d) off += idx[d][pos[d]] * strides[d];
      out.push_back(value_at(t, off));
      std::size_t d = nd;
      for (;;) {
        if (d == 0) return;
        --d;
        if (++pos[d] < idx[d].size()) break;
        pos[d] = 0;
      }
    }
  }
  // One 1-D row starting at `base` along dimension d (the last), wrapped at the line width.
  std::string row(std::size_t d, int64_t base, int indent, bool summarize,
                  const Formatter& f) const {
    const int64_t n = t.shape[d];
    const bool cut = summarize && n > 2 * kEdge;
    const int64_t elen = static_cast<int64_t>(f.max_width) + 2;
    const int64_t per_line = std::max<int64_t>(1, (kLinewidth - indent) / elen);
    std::vector<std::string> data;
    for (int64_t i : kept(d, summarize)) {
      if (cut && i == n - kEdge) data.push_back(" ...");
      data.push_back(f.format(value_at(t, base + i * strides[d])));
    }
    std::string r = "[";
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (i)
        r += static_cast<int64_t>(i) % per_line == 0 ? ",\n" + std::string(indent + 1, ' ') : ", ";
      r += data[i];
    }
    return r + "]";
  }
  // The nested lists of a tensor of >= 1 dims, written in order with an explicit stack of open
  // brackets (no recursion): each level's slices are separated by "," + (dims - 1) newlines +
  // the next level's indent, with "..." in place of a summarised middle.
  std::string str(int indent0, bool summarize, const Formatter& f) const {
    const std::size_t nd = t.shape.size();
    if (nd == 1) return row(0, 0, indent0, summarize, f);
    struct Open {
      std::size_t d;
      int64_t base;
      int indent;
      std::vector<int64_t> idx;
      std::size_t next;
    };
    std::vector<Open> open;
    open.push_back({0, 0, indent0, kept(0, summarize), 0});
    std::string out = "[";
    while (!open.empty()) {
      Open& o = open.back();
      if (o.next == o.idx.size()) {
        out += "]";
        open.pop_back();
        continue;
      }
      const int64_t n = t.shape[o.d], i = o.idx[o.next];
      // the separator is as long as the dims below and the indent: written where it is used,
      // not made for every slice (a first slice has none: 1e5 dims of size 1 were quadratic)
      const auto sep = [&] {
        out += ',';
        out.append(nd - o.d - 1, '\n');
        out.append(static_cast<std::size_t>(o.indent + 1), ' ');
      };
      if (o.next++ > 0) sep();
      if (summarize && n > 2 * kEdge && i == n - kEdge) {
        out += "...";
        sep();
      }
      const std::size_t cd = o.d + 1;
      const int64_t cb = o.base + i * strides[o.d];
      const int ci = o.indent + 1;
      if (cd + 1 == nd) {
        out += row(cd, cb, ci, summarize, f);
      } else {
        out += "[";
        open.push_back({cd, cb, ci, kept(cd, summarize), 0});  // (invalidates o)
      }
    }
    return out;
  }
};

}  // namespace

std::string torch_repr(const TensorView& t, const std::vector<std::string>& extra) {
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  std::vector<std::string> suffixes;
  std::string body;
  const bool floating = dtype_is_floating(t.dtype);
  const std::string dtype_suffix = std::string("dtype=torch.") + dtype_name(t.dtype);
  if (t.numel() == 0) {
    if (t.dim() != 1) {
      std::string sz = "size=(";
      for (std::size_t i = 0; i < t.shape.size(); ++i)
        sz += (i ? ", " : "") + std::to_string(t.shape[i]);
      if (t.shape.size() == 1) sz += ",";
      suffixes.push_back(sz + ")");
    }
    if (t.dtype != DType::Float32) suffixes.push_back(dtype_suffix);
    body = "[]";
  } else {
    if (t.dtype != DType::Float32 && t.dtype != DType::Int64 && t.dtype != DType::Bool)
      suffixes.push_back(dtype_suffix);
    const bool summarize = t.numel() > kThreshold;
    Walker w(t);
    std::vector<double> vals;
    w.collect(summarize, vals);
    Formatter f(vals, floating, t.dtype == DType::Bool);
    body = t.dim() == 0 ? f.format(value_at(t, 0)) : w.str(indent, summarize, f);
  }
  suffixes.insert(suffixes.end(), extra.begin(), extra.end());
  std::string s = prefix + body;
  const std::size_t nl = s.rfind('\n');
  std::size_t last_line_len = nl == std::string::npos ? s.size() + 2 : s.size() - nl + 1;
  for (const auto& suf : suffixes) {
    if (last_line_len + suf.size() + 2 > static_cast<std::size_t>(kLinewidth)) {
      s += ",\n" + std::string(indent, ' ') + suf;
      last_line_len = indent + suf.size();
    } else {
      s += ", " + suf;
      last_line_len += suf.size() + 2;
    }
  }
  return s + ")";
}

}  // namespace losslab
