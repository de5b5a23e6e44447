#!/usr/bin/env python3
"""Generates tests/golden/f64_closeness.json: float32 cases, chosen to be cancellation-heavy, for
every function whose float32 kernels use exp/log or cancel (those the registry does not flag fully
bit-exact with torch, and some it does), each with torch's float32 result and `ref64`, the same
call in torch float64. tests/cpp/f64_closeness_test.cpp requires losslab's float32 result to be
at least as close to ref64 as torch's is, plus 2 float32 ulps, per element, and torch's own bits
where the registry flags the output (by reduction) or the gradients exact.

  binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, kl_div,
  soft_margin_loss, multilabel_soft_margin_loss, poisson_nll_loss, gaussian_nll_loss, ctc_loss,
  log_softmax, softmax

A case is recorded as in nn_losses.json (scripts/nn_fixtures/run.py's run_case: operands, options,
grad_output, torch's float32 output and gradients), then the same call is repeated in float64:
every floating operand and tensor option `.double()`, grad_output `.double()` (the float32 one, not
a new draw), and its output and gradients are stored under "ref64". Only the gradients losslab
computes are kept (DIFFERENTIABLE below, the registry's `differentiable` operands; the test checks
the two agree). The format is described in tests/golden/README.md ("f64_closeness.json").

The tests read only the JSON; this script is needed only to regenerate it. It is deterministic: two
runs write identical files.

Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_f64_fixtures.py [out.json]
"""
import os
import sys
import warnings

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from nn_fixtures.cases import CASES, R3, add, pm1, put, ri, rn, ru, seed_of  # noqa: E402
from nn_fixtures.encoding import F64, enc_tensor, enc_value, write_cases  # noqa: E402
from nn_fixtures.run import run_case  # noqa: E402
from gen_nn_fixtures import cpu_capability  # noqa: E402

# The operands losslab differentiates (the registry's OperandSpec::differentiable); torch also
# differentiates some targets and weights, which losslab has no gradient for.
DIFFERENTIABLE = {
    "binary_cross_entropy": ["input"],
    "binary_cross_entropy_with_logits": ["input"],
    "cross_entropy": ["input"],
    "kl_div": ["input"],
    "soft_margin_loss": ["input"],
    "multilabel_soft_margin_loss": ["input", "target"],
    "poisson_nll_loss": ["input", "target"],
    "gaussian_nll_loss": ["input", "target", "var"],
    "ctc_loss": ["log_probs"],
    "log_softmax": ["input"],
    "softmax": ["input"],
}

# Cases where losslab is farther from ref64 than torch's float32 + 2 ulp at some elements (found by
# tests/cpp/f64_closeness_test.cpp on the native build, SIMD and scalar; the test prints each such
# element). They are recorded as {"known_gap": {"note", "over_at_most", "excess_at_most"}}: the
# test reports those elements instead of failing, within the bounds of GAP_BOUNDS below, and fails
# beyond them. Deleting an entry makes its case strict again. None today: the last four (kl_div's
# and poisson_nll_loss's forward values, one ctc_loss gradient element) closed when those kernels
# took torch's own exp/log (core/include/losslab/detail/torch_math.hpp), which made them bit-exact.
KNOWN_GAPS = {}  # case id -> note

# What each gap may reach, so that it cannot grow unnoticed: at most `over` elements of the case beyond
# e_torch + 2, none of them more than `excess` ulp beyond e_torch (the worst measured over the native
# and wasm builds, SIMD and scalar, plus 10 % and 2 ulp: the printed figures are rounded).
GAP_BOUNDS = {}  # case id -> (over, excess)

R4 = R3 + ("batchmean",)
GS = {"mean": 1.0, "sum": 0.5, "batchmean": -2.0}  # upstream gradient of the reduced cases


def loss(fn, desc, make, note, options, reductions=R3):
    """One case per reduction."""
    for red in reductions:
        opts = (lambda red=red: dict(options(), reduction=red)) if callable(options) else \
            dict(options, reduction=red)
        add(fn, "%s-%s" % (desc, red), make, note, opts, gscale=GS.get(red))


def near_equal(n, c, base, spread):
    """rows of nearly equal values base + spread * randn (large base: cancellation in x - max)"""
    return base + spread * rn(n, c)


def probs(*shape):
    return torch.softmax(2.0 * rn(*shape), -1)


# ---- the cases ---------------------------------------------------------------------------------

def cases_bce():
    fn = "binary_cross_entropy"

    def edge():
        # p -> 0 and p -> 1 (1 - p within a few float32 ulps of 1), soft and hard targets
        z = ru(6, 12, lo=8.0, hi=17.0) * pm1(6, 12)
        p = torch.sigmoid(z)
        put(p, range(6), [1.0 - 2.0**-24, 1.0 - 3 * 2.0**-24, 1e-30, 1e-38, 2.0**-24, 1.0 - 2.0**-23])
        t = torch.where(torch.rand(6, 12) < 0.5, (p > 0.5).float(), ru(6, 12))
        return [("input", p), ("target", t)]
    loss(fn, "near-0-1", edge, "p within float32 ulps of 0 and 1 (log(1 - p) of a tiny 1 - p), hard and "
         "soft targets", {})
    loss(fn, "near-0-1-weight", edge, "as above with a per-class weight (12,)",
         lambda: {"weight": ru(12, lo=0.1, hi=3.0)})

    def calibrated():
        # well-calibrated predictions: target close to p, gradient (p - y) / (p (1 - p)) cancels
        p = ru(5, 14, lo=0.001, hi=0.999)
        t = (p + 1e-4 * rn(5, 14)).clamp(0.0, 1.0)
        return [("input", p), ("target", t)]
    loss(fn, "calibrated", calibrated, "soft target within 1e-4 of p: p - y cancels", {})


def cases_bce_logits():
    fn = "binary_cross_entropy_with_logits"

    def large():
        x = ru(6, 12, lo=5.0, hi=40.0) * pm1(6, 12)
        put(x, range(4), [88.0, -88.0, 100.0, -104.0])
        t = torch.where(torch.rand(6, 12) < 0.5, (x > 0).float(), ru(6, 12))
        return [("input", x), ("target", t)]
    loss(fn, "large-x", large, "|x| in [5, 40] (and ~100): log(1 + exp(-|x|)) of a tiny exp, target "
         "agreeing or soft", {})
    loss(fn, "large-x-pos-weight", large, "large |x| with pos_weight (12,)",
         lambda: {"pos_weight": ru(12, lo=0.2, hi=5.0)})
    loss(fn, "large-x-weight-pos-weight", large, "large |x| with weight (6, 1) and pos_weight (12,)",
         lambda: {"weight": ru(6, 1, lo=0.5, hi=2.0), "pos_weight": ru(12, lo=0.2, hi=5.0)})

    def fitted():
        # target = sigmoid(x) + noise: sigmoid(x) - y cancels in the gradient
        x = 4.0 * rn(5, 14)
        return [("input", x), ("target", (torch.sigmoid(x) + 1e-5 * rn(5, 14)).clamp(0.0, 1.0))]
    loss(fn, "fitted", fitted, "target within 1e-5 of sigmoid(x)", {})
    loss(fn, "fitted-pos-weight", fitted, "as above with pos_weight",
         lambda: {"pos_weight": ru(14, lo=0.5, hi=3.0)}, reductions=("none",))


def cases_cross_entropy():
    fn = "cross_entropy"

    def prob_equal():
        return [("input", near_equal(5, 16, 1000.0, 0.01)), ("target", probs(5, 16))]
    loss(fn, "prob-target-near-equal", prob_equal, "probability targets, logits 1000 + 0.01 randn: x - max "
         "of nearly equal large values", {})
    loss(fn, "prob-target-near-equal-weight", prob_equal, "as above with a class weight",
         lambda: {"weight": ru(16, lo=0.2, hi=3.0)})

    def prob_large():
        x = 30.0 * rn(5, 16)
        return [("input", x), ("target", torch.softmax(x / 30.0 + 0.01 * rn(5, 16), -1))]
    loss(fn, "prob-target-large", prob_large, "probability targets, logits 30 randn", {})

    def prob_fitted():
        x = 3.0 * rn(5, 16)
        return [("input", x), ("target", torch.softmax(x + 1e-3 * rn(5, 16), -1))]
    loss(fn, "prob-target-fitted", prob_fitted, "target = softmax(x + 1e-3 noise): the gradient "
         "softmax(x) - y cancels", {})

    def index_equal():
        return [("input", near_equal(6, 14, -500.0, 0.05)), ("target", ri(0, 14, 6))]
    loss(fn, "smooth-index-near-equal", index_equal, "label_smoothing 0.1 with class indices, logits "
         "-500 + 0.05 randn", {"label_smoothing": 0.1})
    loss(fn, "smooth-index-weight-ignore", index_equal, "label_smoothing 0.2, weight, ignore_index 3",
         lambda: {"label_smoothing": 0.2, "weight": ru(14, lo=0.2, hi=3.0), "ignore_index": 3})

    def index_large():
        x = 40.0 * rn(6, 14)
        t = ri(0, 14, 6)
        put(t, [0, 1], [int(x[0].argmax()), int(x[1].argmax())])
        return [("input", x), ("target", t)]
    loss(fn, "smooth-index-large", index_large, "label_smoothing 0.05, logits 40 randn (confident, "
         "some targets the argmax)", {"label_smoothing": 0.05})

    def prob_3d():
        x = near_equal(2, 8, 200.0, 0.02).reshape(2, 8, 1).expand(2, 8, 5).contiguous() + \
            0.01 * rn(2, 8, 5)
        return [("input", x), ("target", torch.softmax(rn(2, 8, 5), 1))]
    loss(fn, "prob-target-3d", prob_3d, "(N, C, d) input with probability targets, class dim 1",
         {"label_smoothing": 0.1})

    def index_fitted():
        # a confident, right classifier: p[target] = 1 - tiny, and its gradient p - 1 cancels
        x = 2.0 * rn(8, 12)
        t = ri(0, 12, 8)
        for i in range(8):
            x[i, int(t[i])] += 6.0 + 2.0 * i
        return [("input", x), ("target", t)]
    loss(fn, "index-fitted", index_fitted, "class indices, the target's logit 6-20 above the "
         "others: softmax - 1 at the target cancels", {})
    loss(fn, "index-fitted-weight", index_fitted, "as above with a class weight",
         lambda: {"weight": ru(12, lo=0.2, hi=3.0)})
    loss(fn, "index-near-equal", index_equal, "class indices, logits -500 + 0.05 randn", {})


def cases_kl_div():
    fn = "kl_div"

    def near(log_target):
        def make():
            z = 2.0 * rn(6, 12)
            x = torch.log_softmax(z, -1)
            t = torch.log_softmax(z + 1e-3 * rn(6, 12), -1)
            if not log_target:
                t = t.exp()
                put(t, [0, 1], [0.0, 0.0])  # xlogy(0, 0) = 0
            return [("input", x), ("target", t)]
        return make
    loss(fn, "near-target", near(False), "target within 1e-3 (relative) of exp(input): log(y) - x cancels",
         {}, reductions=R4)
    loss(fn, "near-log-target", near(True), "log_target: exp(t) (t - x) with t - x ~ 1e-3", {"log_target": True},
         reductions=R4)

    def mixed():
        return [("input", torch.log_softmax(10.0 * rn(5, 14), -1)), ("target", probs(5, 14))]
    loss(fn, "peaked-input", mixed, "peaked log-probabilities (down to ~-100) against soft targets", {},
         reductions=("none", "batchmean"))
    loss(fn, "peaked-input-log-target", lambda: [(n, v.log() if n == "target" else v) for n, v in mixed()],
         "as above, log_target", {"log_target": True}, reductions=("none", "sum"))


def cases_soft_margin():
    fn = "soft_margin_loss"

    def large():
        x = ru(6, 14, lo=2.0, hi=60.0) * pm1(6, 14)
        put(x, range(4), [87.0, -87.0, 1e-6, -1e-6])
        return [("input", x), ("target", pm1(6, 14))]
    loss(fn, "large-x", large, "|x| up to 60: log1p(exp(-y x)) of a tiny or huge exp", {})

    def soft():
        return [("input", 10.0 * rn(5, 14)), ("target", ru(5, 14, lo=-1.0, hi=1.0))]
    loss(fn, "real-target", soft, "real-valued target in (-1, 1), x 10 randn", {}, reductions=("none", "sum"))


def cases_multilabel_soft_margin():
    fn = "multilabel_soft_margin_loss"

    def large():
        x = ru(6, 14, lo=3.0, hi=40.0) * pm1(6, 14)
        t = torch.where(torch.rand(6, 14) < 0.7, (x > 0).float(), ru(6, 14))
        return [("input", x), ("target", t)]
    loss(fn, "large-x", large, "|x| in [3, 40], mostly agreeing targets: small losses summed per row", {})
    loss(fn, "large-x-weight", large, "as above with weight (14,)", lambda: {"weight": ru(14, lo=0.2, hi=3.0)})

    def fitted():
        x = 3.0 * rn(5, 16)
        return [("input", x), ("target", (torch.sigmoid(x) + 1e-5 * rn(5, 16)).clamp(0.0, 1.0))]
    loss(fn, "fitted", fitted, "target within 1e-5 of sigmoid(x): the gradient sigmoid(x) - y cancels", {},
         reductions=("none", "mean"))


def cases_poisson():
    fn = "poisson_nll_loss"

    def fitted_log():
        y = ri(0, 60, 6, 12).float()
        x = torch.log(y + 0.5) + 1e-3 * rn(6, 12)
        return [("input", x), ("target", y)]
    loss(fn, "log-input-fitted", fitted_log, "log_input: input ~ log(target): exp(x) - y cancels in the "
         "gradient", {})
    loss(fn, "log-input-fitted-full", fitted_log, "as above, full (Stirling term where target > 1)",
         {"full": True})

    def fitted_rate():
        y = ri(0, 60, 6, 12).float()
        x = (y + 0.5) * (1.0 + 1e-3 * rn(6, 12))
        return [("input", x), ("target", y)]
    loss(fn, "rate-input-fitted", fitted_rate, "log_input False: input ~ target, 1 - y / (x + eps) cancels",
         {"log_input": False})
    loss(fn, "rate-input-fitted-full", fitted_rate, "log_input False, full",
         {"log_input": False, "full": True}, reductions=("none", "sum"))

    def large_counts():
        y = ru(5, 14, lo=100.0, hi=5000.0).round()
        return [("input", torch.log(y) + 1e-4 * rn(5, 14)), ("target", y)]
    loss(fn, "log-input-large-counts-full", large_counts, "counts 100..5000, full: the Stirling term "
         "nearly cancels exp(x) - y x", {"full": True}, reductions=("none", "mean"))


def cases_gaussian():
    fn = "gaussian_nll_loss"

    def small_var():
        var = torch.exp(ru(6, 12, lo=-16.0, hi=-2.0))
        put(var, range(6), [0.0, 1e-7, 5e-7, 1e-6, 2e-6, 1e-8])
        x = rn(6, 12)
        y = x + var.clamp(min=1e-6).sqrt() * (1.0 + 1e-3 * rn(6, 12)) * pm1(6, 12)
        return [("input", x), ("target", y), ("var", var)]
    loss(fn, "small-var", small_var, "var 1e-7..0.1 (some below eps = 1e-6, clamped), (x - y)^2 ~ var: "
         "1 / var - (x - y)^2 / var^2 cancels in d/dvar", {})
    loss(fn, "small-var-full", small_var, "as above, full", {"full": True}, reductions=("none", "mean"))
    loss(fn, "small-var-eps", small_var, "eps 1e-4: more of var clamped", {"eps": 1e-4},
         reductions=("none", "sum"))

    def row_var():
        var = torch.exp(ru(6, 1, lo=-12.0, hi=0.0))
        x = 100.0 + rn(6, 12)
        y = x + var.sqrt() * (1.0 + 1e-3 * rn(6, 12))
        return [("input", x), ("target", y), ("var", var)]
    loss(fn, "row-var-large-mean", row_var, "var (N, 1), input ~ 100: x - y of nearly equal values", {})


def cases_ctc():
    fn = "ctc_loss"

    def seq(T, N, C, S, il, tl, scale):
        def make():
            lp = torch.log_softmax(scale * rn(T, N, C), -1)
            tg = torch.randint(1, C, (N, S))
            return [("log_probs", lp), ("targets", tg), ("input_lengths", torch.tensor(il)),
                    ("target_lengths", torch.tensor(tl))]
        return make
    loss(fn, "T40-C5", seq(40, 1, 5, 15, [40], [15], 1.0), "T = 40, one sequence of 15 labels", {})
    loss(fn, "T30-N2-C3", seq(30, 2, 3, 12, [30, 26], [12, 9], 2.0), "T = 30, N = 2, C = 3, peaked "
         "log_probs (2 randn)", {})
    loss(fn, "T64-C3-tight", seq(64, 1, 3, 30, [64], [30], 0.5), "T = 64 with 30 labels: few alignments "
         "(the target nearly fills the input)", {"zero_infinity": True}, reductions=("none", "mean"))
    loss(fn, "T48-C4-blank-last", lambda: (lambda m: [(n, v - 1 if n == "targets" else v) for n, v in m])(
        seq(48, 1, 4, 20, [48], [20], 3.0)()), "blank = C - 1, T = 48, very peaked log_probs (3 randn)",
         {"blank": 3}, reductions=("none", "sum"))


def cases_softmax(fn):
    add(fn, "near-equal-large", lambda: [("input", near_equal(6, 16, 1000.0, 0.01))],
        "rows 1000 + 0.01 randn along dim 1", {"dim": 1}, kind="activation")
    add(fn, "near-equal-negative", lambda: [("input", near_equal(6, 16, -3000.0, 0.05))],
        "rows -3000 + 0.05 randn", {"dim": 1}, kind="activation")
    add(fn, "large-spread", lambda: [("input", 40.0 * rn(6, 16))], "rows of 40 randn (values down to "
        "exp(-200))", {"dim": -1}, kind="activation")
    add(fn, "long-row", lambda: [("input", near_equal(1, 100, 100.0, 0.1))], "a row of 100 nearly equal "
        "values", {"dim": 1}, kind="activation")
    add(fn, "dim0-inner", lambda: [("input", near_equal(16, 6, 500.0, 0.02))], "along dim 0 of (16, 6): "
        "strided rows", {"dim": 0}, kind="activation")
    add(fn, "3d-dim1", lambda: [("input", 200.0 + 0.03 * rn(3, 10, 3))], "(3, 10, 3) along dim 1",
        {"dim": 1}, kind="activation")


def build_cases():
    cases_bce()
    cases_bce_logits()
    cases_cross_entropy()
    cases_kl_div()
    cases_soft_margin()
    cases_multilabel_soft_margin()
    cases_poisson()
    cases_gaussian()
    cases_ctc()
    cases_softmax("log_softmax")
    cases_softmax("softmax")


# ---- float64 ---------------------------------------------------------------------------------

def dec_float(t):
    """a float TENSOR of the encoding back to a torch tensor (from its hex bits)"""
    bits = [int(h, 16) for h in t["hex"]]
    if t["dtype"] == "float32":
        a = np.array(bits, dtype=np.uint32).view(np.float32)
    else:
        a = np.array(bits, dtype=np.uint64).view(np.float64)
    return torch.from_numpy(a.copy()).reshape(t["shape"])


def dbl(v):
    return v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v


def ref64(c, rec):
    """The case's call in float64: operands, tensor options and grad_output .double()."""
    fn = getattr(F, c["fn"])
    torch.manual_seed(seed_of(c["fn"], c["desc"]))  # the operands run_case drew
    ops = c["make"]()
    opts = c["options"]() if callable(c["options"]) else dict(c["options"] or {})
    assert [[n, enc_value(v)] for n, v in ops] == rec["operands"], rec["id"]
    want = [n for n, g in rec["expected"]["grads"].items() if isinstance(g, dict)]
    args, leaves = [], {}
    for n, v in ops:
        v = dbl(v)
        if n in want:
            v = v.detach().clone().requires_grad_(True)
            leaves[n] = v
        args.append(v)
    kw = {k: dbl(v) for k, v in opts.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # recorded by run_case (float32)
        out = fn(*args, **kw)
    assert out.dtype == F64, rec["id"]
    grads = {}
    if want:
        go = dec_float(rec["grad_output"]).double()
        gs = torch.autograd.grad(out, [leaves[n] for n in want], go)
        grads = {n: enc_tensor(g) for n, g in zip(want, gs)}
    return {"output": enc_tensor(out), "grads": grads}


def record(c):
    rec = run_case(c)
    assert "error" not in rec, rec["id"]
    keep = DIFFERENTIABLE[c["fn"]]
    # only the gradients losslab computes (torch also differentiates some targets and weights)
    grads = rec["expected"]["grads"]
    rec["expected"]["grads"] = {n: grads[n] for n in grads if n in keep and isinstance(grads[n], dict)}
    assert rec["expected"]["grads"], rec["id"] + ": no gradient"
    for g in rec["expected"]["grads"].values():
        assert "error" not in g, rec["id"]
    rec["ref64"] = ref64(c, rec)
    if rec["id"] in KNOWN_GAPS:
        over, excess = GAP_BOUNDS[rec["id"]]
        rec["known_gap"] = {"note": KNOWN_GAPS[rec["id"]], "over_at_most": over, "excess_at_most": excess}
    return rec


def main():
    torch.set_num_threads(1)
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "f64_closeness.json")
    build_cases()
    recs = [record(c) for c in CASES]
    ids = [r["id"] for r in recs]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert not set(KNOWN_GAPS) - set(ids), "KNOWN_GAPS names no case: %s" % (set(KNOWN_GAPS) - set(ids))
    assert set(GAP_BOUNDS) == set(KNOWN_GAPS), "every known gap has its bounds"
    for r in recs:
        for name, v in r["operands"]:
            if isinstance(v, dict) and v.get("dtype") in ("float32", "float64"):
                assert v["dtype"] == "float32", r["id"]
                assert len(v["hex"]) <= 200, "%s: %s has %d elements" % (r["id"], name, len(v["hex"]))
    meta = {
        "torch": torch.__version__,
        "generator": "scripts/gen_f64_fixtures.py",
        "capability": cpu_capability(),
        "num_threads": 1,
        "count": len(recs),
        "encoding": "tensors as in public.json: values row-major, NaN/Inf as strings, hex = IEEE-754 "
                    "bits (authoritative) for float32/float64; int tensors have values only",
        "ref64": "the same call in torch float64: floating operands, tensor options and grad_output "
                 "converted with .double()",
    }
    write_cases(path, meta, recs)
    by_fn = {}
    for r in recs:
        by_fn[r["fn"]] = by_fn.get(r["fn"], 0) + 1
    gaps = {}
    for r in recs:
        gaps[r["fn"]] = gaps.get(r["fn"], 0) + ("known_gap" in r)
    for k, n in by_fn.items():
        print("%-36s %3d cases (%d known gaps)" % (k, n, gaps[k]))
    print("wrote %d cases to %s (%d bytes)" % (len(recs), path, os.path.getsize(path)))


if __name__ == "__main__":
    main()
