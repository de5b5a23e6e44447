"""Cases of the row-wise losses over (N, C): multilabel_soft_margin_loss, multi_margin_loss,
multilabel_margin_loss."""
import torch

from .cases import R3, add, ri, rn, ru
from .encoding import F64, I32, I64, INF, NAN


def cases_multilabel_soft_margin():
    fn = "multilabel_soft_margin_loss"
    for red in R3:
        add(fn, "4x5-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5).float())],
            "typical, target in {0, 1}", {"reduction": red}, gscale={"sum": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5).float())],
        "default 'mean'")
    for red in R3:
        add(fn, "weight-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5).float())],
            "per-class weight (5,), multiplied after the elementwise loss; weight is differentiable",
            lambda red=red: {"weight": ru(5, lo=0.2, hi=2.0), "reduction": red})
    add(fn, "weight-2d-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 2, 3, 4).float())],
        "weight (3, 4): broadcast like any tensor (the loss is loss * weight)",
        lambda: {"weight": ru(3, 4), "reduction": "none"})
    add(fn, "soft-target-none", lambda: [("input", rn(4, 5)), ("target", ru(4, 5))],
        "probabilistic targets in [0, 1]; target is differentiable", {"reduction": "none"})
    add(fn, "int64-target-mean", lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5))],
        "int64 target", {"reduction": "mean"})
    add(fn, "1d-none", lambda: [("input", rn(6)), ("target", ri(0, 2, 6).float())],
        "1-D input: class dim 0, output 0-d even for 'none'", {"reduction": "none"})
    add(fn, "1d-mean", lambda: [("input", rn(6)), ("target", ri(0, 2, 6).float())], "1-D input, mean",
        {"reduction": "mean"})
    add(fn, "3d-none", lambda: [("input", rn(2, 3, 4)), ("target", ri(0, 2, 2, 3, 4).float())],
        "3-D input: the class dim is the LAST dim (input.dim() - 1); output (2, 3)", {"reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 2, 4).float())],
        "target (4,) broadcast against (3, 4)", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0, 4)), ("target", rn(0, 4))], "N = 0",
            {"reduction": red})
    add(fn, "zero-classes-none", lambda: [("input", rn(3, 0)), ("target", rn(3, 0))],
        "C = 0: sum over an empty dim / 0 = nan", {"reduction": "none"})
    add(fn, "large-magnitude-none", lambda: [("input", torch.tensor([[100., -100., 30., -30., 0.], [200., -200., 1e-3, -88., 89.]])),
                                             ("target", torch.tensor([[1., 1., 0., 0., 1.], [0., 1., 1., 0., 1.]]))],
        "large |x|: log_sigmoid stays finite", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([[NAN, 1., 2.], [INF, -INF, 0.], [INF, -INF, 1.]])),
                                       ("target", torch.tensor([[1., 0., 1.], [1., 1., 0.], [0., 0., 1.]]))],
        "nan/inf inputs (0 * inf = nan inside target * logsigmoid)", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 2, 3, 4).double())],
        "float64", {"reduction": "none"})
    add(fn, "f64-weight-mean", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 2, 3, 4).double())],
        "float64 with weight", lambda: {"weight": ru(4, dtype=F64), "reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(80, 16)), ("target", ri(0, 2, 80, 16).float())],
        "1280 elements, mean", {"reduction": "mean"})
    add(fn, "large-weight-sum", lambda: [("input", rn(50, 20)), ("target", ri(0, 2, 50, 20).float())],
        "1000 elements, weight, sum", lambda: {"weight": ru(20), "reduction": "sum"})
    add(fn, "err-0d-input", lambda: [("input", torch.tensor(1.0)), ("target", torch.tensor(1.0))],
        "0-d input: input.size(-1) raises IndexError", {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("input", rn(2, 4)), ("target", rn(2, 3))], "shapes do not broadcast",
        {"reduction": "none"})
    add(fn, "err-weight-size", lambda: [("input", rn(2, 4)), ("target", ri(0, 2, 2, 4).float())],
        "weight of the wrong size", lambda: {"weight": ru(3), "reduction": "mean"})
    add(fn, "err-int-input", lambda: [("input", ri(0, 3, 2, 3)), ("target", ri(0, 2, 2, 3))],
        "int64 input: log_sigmoid not implemented", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(2, 3)), ("target", ri(0, 2, 2, 3).float())],
        "invalid reduction: note this function's own message ('... is not valid')", {"reduction": "avg"})


def cases_multi_margin():
    fn = "multi_margin_loss"
    for red in R3:
        add(fn, "4x5-p1-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))],
            "typical, p = 1, margin 1", {"reduction": red}, gscale={"mean": -2.0}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "defaults p=1, 'mean'")
    for red in R3:
        add(fn, "4x5-p2-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "p = 2",
            {"p": 2, "reduction": red})
    for m in (0.0, -0.5, 10.0):
        add(fn, "margin%s-none" % m, lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "margin %s" % m,
            {"margin": m, "reduction": "none"})
    add(fn, "weight-p1-none", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))],
        "weight indexed by the target class; weight itself is not differentiable",
        lambda: {"weight": ru(5, lo=0.5, hi=2.0), "reduction": "none"})
    add(fn, "weight-p1-mean", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "weight, mean",
        lambda: {"weight": ru(5, lo=0.5, hi=2.0), "reduction": "mean"})
    add(fn, "weight-p2-sum", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "weight, p = 2, sum",
        lambda: {"p": 2, "weight": ru(5, lo=0.5, hi=2.0), "reduction": "sum"})
    add(fn, "1d-input-0d-target-none", lambda: [("input", rn(5)), ("target", torch.tensor(2))],
        "1-D input with 0-d target: 0-d output even for 'none'", {"reduction": "none"})
    add(fn, "1d-input-0d-target-mean", lambda: [("input", rn(5)), ("target", torch.tensor(4))],
        "1-D input with 0-d target, mean", {"p": 2, "reduction": "mean"})
    add(fn, "1d-input-1d-target-none", lambda: [("input", rn(5)), ("target", torch.tensor([0]))],
        "1-D input with 1-element 1-D target: output shape (1,)", {"reduction": "none"})
    add(fn, "0d-input-none", lambda: [("input", rn(())), ("target", torch.tensor(0))],
        "0-d input (C = 1): loss 0", {"reduction": "none"})
    add(fn, "empty-none", lambda: [("input", rn(0, 5)), ("target", ri(0, 5, 0))],
        "N = 0 with 'none': empty output. (N = 0 with 'mean'/'sum' returns an UNINITIALIZED 0-d tensor in "
        "1.13 - not recorded)", {"reduction": "none"})
    add(fn, "ties-none", lambda: (lambda x: [("input", x), ("target", torch.tensor([0, 1, 2]))])(
        torch.tensor([[1.0, 0.0, 0.5, 1.0], [2.0, 2.0, 1.0, 3.0], [0.0, 0.0, 0.0, 0.0]])),
        "z = margin - x[y] + x[i] exactly 0 is not counted (z > 0); ties x[i] == x[y] give z = margin",
        {"reduction": "none"})
    add(fn, "margin-nan-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 3))],
        "margin nan: z > 0 is false everywhere -> loss 0", {"margin": NAN, "reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([[NAN, 0., 1.], [INF, 0., 1.], [0., INF, 1.], [-INF, 0., 1.]])),
                                       ("target", torch.tensor([1, 1, 1, 0]))],
        "nan/inf inputs (nan compares false)", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 4, 3))], "float64",
        {"reduction": "none"})
    add(fn, "f64-p2-weight-mean", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 4, 3))],
        "float64, p = 2, weight", lambda: {"p": 2, "weight": ru(4, dtype=F64), "reduction": "mean"})
    add(fn, "p2.0-float-sum", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 3))],
        "p given as the float 2.0 is accepted", {"p": 2.0, "reduction": "sum"})
    add(fn, "large-mean", lambda: [("input", rn(150, 10)), ("target", ri(0, 10, 150))],
        "1500 elements, mean (frame sums accumulated in double)", {"reduction": "mean"})
    add(fn, "large-p2-sum", lambda: [("input", rn(100, 12)), ("target", ri(0, 12, 100))],
        "1200 elements, p = 2, sum", {"p": 2, "margin": 0.5, "reduction": "sum"})
    # errors
    for pv in (3, 1.5, 0):
        add(fn, "err-p%s" % pv, lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))], "p not in {1, 2}",
            {"p": pv, "reduction": "mean"})
    add(fn, "err-weight-2d", lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))], "2-D weight",
        lambda: {"weight": ru(1, 3), "reduction": "mean"})
    add(fn, "err-weight-f64", lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))],
        "weight dtype differs from input dtype", lambda: {"weight": ru(3, dtype=F64), "reduction": "mean"})
    add(fn, "err-target-size", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 2))], "target numel != N",
        {"reduction": "mean"})
    add(fn, "err-target-2d", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 3, 1))], "2-D target",
        {"reduction": "mean"})
    add(fn, "err-target-out-of-range", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0, 1, 4]))],
        "target >= C", {"reduction": "none"})
    add(fn, "err-target-negative", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0, -1, 2]))],
        "target < 0", {"reduction": "sum"})
    add(fn, "err-target-float", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0., 1., 2.]))],
        "float target", {"reduction": "mean"})
    add(fn, "err-target-int32", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0, 1, 2], dtype=I32))],
        "int32 target (only int64 accepted)", {"reduction": "mean"})
    add(fn, "err-int-input", lambda: [("input", ri(0, 3, 2, 3)), ("target", ri(0, 3, 2))], "int64 input",
        {"reduction": "mean"})
    add(fn, "err-zero-classes", lambda: [("input", rn(2, 0)), ("target", ri(0, 1, 2))], "C = 0",
        {"reduction": "mean"})
    add(fn, "err-3d-input", lambda: [("input", rn(2, 3, 4)), ("target", ri(0, 3, 2))], "3-D input",
        {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))], "invalid reduction",
        {"reduction": "avg"})


def _mlm_target(rows, C, stops):
    """rows x C int64 target: row r holds distinct random classes up to position stops[r], then -1,
    then random classes (ignored by torch, but they must be in [-1, C))."""
    t = torch.empty(rows, C, dtype=I64)
    for r in range(rows):
        perm = torch.randperm(C)
        t[r] = perm
        if stops[r] < C:
            t[r, stops[r]] = -1
            t[r, stops[r] + 1:] = torch.randint(-1, C, (C - stops[r] - 1,))
    return t


def cases_multilabel_margin():
    fn = "multilabel_margin_loss"
    for red in R3:
        add(fn, "4x6-" + red, lambda: [("input", rn(4, 6)), ("target", _mlm_target(4, 6, [2, 0, 5, 6]))],
            "typical: -1 terminates each row's label list (positions 2, 0, 5, none)", {"reduction": red},
            gscale={"sum": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(3, 5)), ("target", _mlm_target(3, 5, [1, 2, 3]))],
        "default 'mean'")
    add(fn, "all-minus-one-none", lambda: [("input", rn(3, 5)), ("target", torch.full((3, 5), -1))],
        "no labels at all: loss 0, grad 0", {"reduction": "none"})
    add(fn, "all-classes-none", lambda: [("input", rn(2, 4)), ("target", torch.tensor([[3, 1, 0, 2], [0, 1, 2, 3]]))],
        "every class is a label: no non-target class, loss 0", {"reduction": "none"})
    add(fn, "repeated-classes-none", lambda: [("input", rn(3, 5)), ("target", torch.tensor([[1, 1, 3, -1, 0], [2, 2, 2, 2, 2], [0, 4, 0, -1, -1]]))],
        "a class repeated in the label list is counted once per occurrence in the sum", {"reduction": "none"})
    add(fn, "after-terminator-ignored-mean", lambda: [("input", rn(2, 5)), ("target", torch.tensor([[2, -1, 0, 1, 4], [-1, 3, 3, 1, 0]]))],
        "entries after the first -1 are ignored (but still range-checked)", {"reduction": "mean"})
    add(fn, "1d-none", lambda: [("input", rn(5)), ("target", torch.tensor([3, 0, -1, 1, 1]))],
        "1-D input and target: 0-d output even for 'none'", {"reduction": "none"})
    add(fn, "1d-sum", lambda: [("input", rn(6)), ("target", torch.tensor([5, 2, 1, -1, 0, 0]))], "1-D, sum",
        {"reduction": "sum"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(0))], "0-d input and target (C = 1)",
        {"reduction": "none"})
    add(fn, "empty-none", lambda: [("input", rn(0, 4)), ("target", torch.zeros(0, 4, dtype=I64))],
        "N = 0 with 'none': empty output (N = 0 'mean'/'sum' return UNINITIALIZED memory in 1.13 - not "
        "recorded)", {"reduction": "none"})
    add(fn, "ties-none", lambda: [("input", torch.tensor([[1.0, 0.0, 0.5, 2.0], [0.25, 0.25, -0.75, 0.0]])),
                                  ("target", torch.tensor([[0, -1, 0, 0], [0, -1, 0, 0]]))],
        "z = 1 - x[target] + x[i] exactly 0 is not counted (z > 0)", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([[NAN, 0., 1.], [INF, 0., 1.], [0., INF, -INF]])),
                                       ("target", torch.tensor([[0, -1, 0], [1, -1, 0], [0, 2, -1]]))],
        "nan/inf inputs", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 5, dtype=F64)), ("target", _mlm_target(3, 5, [1, 3, 5]))],
        "float64", {"reduction": "none"})
    add(fn, "f64-mean", lambda: [("input", rn(3, 5, dtype=F64)), ("target", _mlm_target(3, 5, [2, 2, 4]))],
        "float64, mean", {"reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(150, 8)), ("target", _mlm_target(150, 8, [i % 9 for i in range(150)]))],
        "1200 elements, mean", {"reduction": "mean"})
    add(fn, "large-sum", lambda: [("input", rn(100, 10)), ("target", _mlm_target(100, 10, [(3 * i) % 11 for i in range(100)]))],
        "1000 elements, sum", {"reduction": "sum"}, gscale=-2.0)
    add(fn, "err-target-float", lambda: [("input", rn(2, 3)), ("target", torch.zeros(2, 3))], "float target",
        {"reduction": "mean"})
    add(fn, "err-target-int32", lambda: [("input", rn(2, 3)), ("target", torch.zeros(2, 3, dtype=I32))],
        "int32 target", {"reduction": "mean"})
    add(fn, "err-target-shape", lambda: [("input", rn(3, 4)), ("target", torch.zeros(3, 3, dtype=I64))],
        "target shape differs from input", {"reduction": "mean"})
    add(fn, "err-target-1d-for-2d", lambda: [("input", rn(3, 4)), ("target", torch.zeros(4, dtype=I64))],
        "1-D target with 2-D input", {"reduction": "mean"})
    add(fn, "err-target-too-large", lambda: [("input", rn(2, 3)), ("target", torch.tensor([[0, 3, -1], [1, -1, 0]]))],
        "target >= C", {"reduction": "none"})
    add(fn, "err-target-below-minus-one", lambda: [("input", rn(2, 3)), ("target", torch.tensor([[0, -2, 1], [1, -1, 0]]))],
        "target < -1", {"reduction": "none"})
    add(fn, "err-out-of-range-after-terminator", lambda: [("input", rn(2, 3)), ("target", torch.tensor([[0, -1, 7], [1, -1, 0]]))],
        "an out-of-range value after the -1 still raises (min/max over the whole target)", {"reduction": "mean"})
    add(fn, "err-int-input", lambda: [("input", ri(0, 3, 2, 3)), ("target", torch.zeros(2, 3, dtype=I64))],
        "int64 input", {"reduction": "mean"})
    add(fn, "err-3d-input", lambda: [("input", rn(2, 3, 4)), ("target", torch.zeros(2, 3, 4, dtype=I64))],
        "3-D input", {"reduction": "mean"})
    add(fn, "err-zero-classes", lambda: [("input", rn(2, 0)), ("target", torch.zeros(2, 0, dtype=I64))],
        "C = 0", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(2, 3)), ("target", torch.zeros(2, 3, dtype=I64))],
        "invalid reduction", {"reduction": "avg"})

