"""Cases of the broadcasting elementwise losses: margin_ranking_loss, hinge_embedding_loss,
soft_margin_loss, poisson_nll_loss, gaussian_nll_loss."""
import torch

from .cases import R3, add, pm1, put, ri, rn, ru
from .encoding import F64, I64, INF, NAN


def cases_margin_ranking():
    fn = "margin_ranking_loss"
    for red in R3:
        add(fn, "n8-" + red, lambda: [("input1", rn(8)), ("input2", rn(8)), ("target", pm1(8))],
            "typical 1-D batch, target in {-1, 1}, default margin 0", {"reduction": red},
            gscale={"mean": 1.0, "sum": 0.5}.get(red))
    add(fn, "n8-default-reduction", lambda: [("input1", rn(8)), ("input2", rn(8)), ("target", pm1(8))],
        "reduction not passed: default 'mean'")
    for m in (0.5, -0.5, 0.0):
        add(fn, "margin%s-none" % m, lambda: [("input1", rn(10)), ("input2", rn(10)), ("target", pm1(10))],
            "margin %s" % m, {"margin": m, "reduction": "none"})
    add(fn, "margin-large-sum", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", pm1(6))],
        "large margin: every element active", {"margin": 1e4, "reduction": "sum"})
    add(fn, "ties-none", lambda: (lambda a: [("input1", a), ("input2", a.clone()), ("target", pm1(7))])(rn(7)),
        "input1 == input2 and margin 0: -target*(input1-input2)+margin is exactly 0; the clamp_min grad "
        "passes at 0 (x >= 0)", {"reduction": "none"})
    add(fn, "ties-margin-mean", lambda: (lambda a: [("input1", a + 0.25), ("input2", a), ("target", pm1(8))])(ru(8).round()),
        "input1 - input2 = 0.25 exactly, margin 0.25: unclamped value exactly 0 for target 1",
        {"margin": 0.25, "reduction": "mean"})
    add(fn, "target-any-values-none", lambda: [("input1", rn(9)), ("input2", rn(9)),
                                                ("target", put(rn(9), [0, 1], [0.0, 2.0]))],
        "target not restricted to +-1 (0, 2, random values); target is differentiable",
        {"reduction": "none"})
    add(fn, "2d-none", lambda: [("input1", rn(3, 5)), ("input2", rn(3, 5)), ("target", pm1(3, 5))],
        "2-D operands, elementwise", {"reduction": "none"})
    add(fn, "2d-mean", lambda: [("input1", rn(4, 5)), ("input2", rn(4, 5)), ("target", pm1(4, 5))],
        "2-D operands, mean over all elements", {"reduction": "mean"}, gscale=-2.0)
    add(fn, "0d-none", lambda: [("input1", rn(())), ("input2", rn(())), ("target", pm1())],
        "0-d operands", {"reduction": "none"})
    add(fn, "0d-mean", lambda: [("input1", rn(())), ("input2", rn(())), ("target", torch.tensor(-1.0))],
        "0-d operands, mean", {"reduction": "mean"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input1", rn(0)), ("input2", rn(0)), ("target", rn(0))],
            "N = 0: 'none' is empty, 'mean' is nan, 'sum' is 0", {"reduction": red})
    add(fn, "broadcast-none", lambda: [("input1", rn(3, 1)), ("input2", rn(1, 4)), ("target", pm1(3, 4))],
        "same number of dims but different sizes: torch 1.13 broadcasts (only dim() is checked); "
        "grads are summed back to each operand's shape", {"reduction": "none"})
    add(fn, "broadcast-sum", lambda: [("input1", rn(5)), ("input2", rn(1)), ("target", pm1(5))],
        "input2 of size 1 broadcast against 5", {"reduction": "sum"})
    add(fn, "int64-target-none", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", ri(0, 2, 6) * 2 - 1)],
        "int64 target {-1, 1}: result float32, no grad for target", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input1", put(rn(6), [0, 1, 2], [NAN, INF, -INF])),
                                        ("input2", put(rn(6), [3, 2], [INF, -INF])),
                                        ("target", pm1(6))],
        "nan/inf in the inputs (inf - inf = nan)", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input1", rn(6, dtype=F64)), ("input2", rn(6, dtype=F64)),
                                  ("target", pm1(6, dtype=F64))], "float64", {"reduction": "none"})
    add(fn, "f64-mean", lambda: [("input1", rn(6, dtype=F64)), ("input2", rn(6, dtype=F64)),
                                  ("target", pm1(6, dtype=F64))], "float64, mean",
        {"margin": 0.1, "reduction": "mean"})
    add(fn, "int-inputs-mean", lambda: [("input1", ri(-3, 4, 5)), ("input2", ri(-3, 4, 5)), ("target", ri(0, 2, 5) * 2 - 1)],
        "all-int64 operands: the float margin promotes the result to float32 (default dtype)",
        {"reduction": "mean"})
    add(fn, "large-mean", lambda: [("input1", rn(1000)), ("input2", rn(1000)), ("target", pm1(1000))],
        "1000 elements: mean reduction", {"margin": 0.1, "reduction": "mean"})
    add(fn, "large-sum", lambda: [("input1", rn(800)), ("input2", rn(800)), ("target", pm1(800))],
        "800 elements: sum reduction", {"reduction": "sum"}, gscale=0.5)
    # errors
    add(fn, "err-dim-mismatch", lambda: [("input1", rn(3)), ("input2", rn(3, 1)), ("target", pm1(3))],
        "different number of dims: RuntimeError raised by torch/nn/functional.py", {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("input1", rn(3)), ("input2", rn(4)), ("target", pm1(3))],
        "sizes that do not broadcast", {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input1", rn(3)), ("input2", rn(3)), ("target", pm1(3))],
        "invalid reduction string", {"reduction": "avg"})


def cases_hinge():
    fn = "hinge_embedding_loss"
    for red in R3:
        add(fn, "n10-" + red, lambda: [("input", rn(10)), ("target", pm1(10))],
            "typical, target in {-1, 1}, default margin 1", {"reduction": red},
            gscale={"sum": -2.0}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(10)), ("target", pm1(10))], "default reduction 'mean'")
    add(fn, "int64-target-none", lambda: [("input", rn(8)), ("target", ri(0, 2, 8) * 2 - 1)],
        "int64 target", {"reduction": "none"})
    add(fn, "target-other-values-none", lambda: [("input", rn(8)), ("target", torch.tensor([1., -1, 0, 2, 0.5, -1, 1, 3]))],
        "target neither 1 nor -1: both terms apply (where(t != 1, clamp(margin - x, 0), 0) + "
        "where(t != -1, x, 0)); target gets no gradient (only used in comparisons)", {"reduction": "none"})
    for m in (0.0, -1.0, 5.0):
        add(fn, "margin%s-none" % m, lambda: [("input", rn(10)), ("target", pm1(10))],
            "margin %s" % m, {"margin": m, "reduction": "none"})
    add(fn, "margin-large-sum", lambda: [("input", rn(10)), ("target", pm1(10))], "large margin 1e6",
        {"margin": 1e6, "reduction": "sum"})
    add(fn, "ties-none", lambda: [("input", torch.tensor([1.0, 1.0, 0.5, 0.0, 2.0, -1.0])),
                                  ("target", torch.tensor([-1.0, 1.0, -1.0, -1.0, -1.0, -1.0]))],
        "input == margin for target -1: margin - x is exactly 0 (clamp_min grad passes at 0)",
        {"reduction": "none"})
    add(fn, "2d-mean", lambda: [("input", rn(4, 5)), ("target", pm1(4, 5))], "2-D", {"reduction": "mean"})
    add(fn, "3d-none", lambda: [("input", rn(2, 3, 4)), ("target", pm1(2, 3, 4))], "3-D", {"reduction": "none"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(-1.0))], "0-d", {"reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", pm1(4))],
        "target (4,) broadcast against input (3, 4)", {"reduction": "none"})
    add(fn, "broadcast-input-sum", lambda: [("input", rn(1, 4)), ("target", pm1(3, 4))],
        "input (1, 4) broadcast against target (3, 4): output (3, 4), grad summed to (1, 4)",
        {"reduction": "sum"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0)), ("target", pm1(0))], "N = 0", {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, -INF, NAN, INF, -INF])),
                                       ("target", torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0, -1.0]))],
        "nan/inf inputs for both targets", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(7, dtype=F64)), ("target", pm1(7, dtype=F64))], "float64",
        {"reduction": "none"})
    add(fn, "f64-mean", lambda: [("input", rn(7, dtype=F64)), ("target", pm1(7, dtype=F64))], "float64 mean",
        {"margin": 0.5, "reduction": "mean"})
    add(fn, "int-input-none", lambda: [("input", torch.tensor([1, 2, -3, 0])), ("target", torch.tensor([1, -1, 0, -1]))],
        "int64 input: the 'none' result is int64", {"reduction": "none"})
    add(fn, "large-mean", lambda: [("input", rn(1500)), ("target", pm1(1500))], "1500 elements, mean",
        {"reduction": "mean"})
    add(fn, "large-sum", lambda: [("input", rn(30, 40)), ("target", pm1(30, 40))], "1200 elements, sum",
        {"reduction": "sum"})
    add(fn, "err-size-mismatch", lambda: [("input", rn(3, 4)), ("target", pm1(3))], "shapes do not broadcast",
        {"reduction": "mean"})
    add(fn, "err-int-input-mean", lambda: [("input", torch.tensor([1, 2, -3])), ("target", torch.tensor([1, -1, 1]))],
        "int64 input with mean: mean() of an int64 tensor raises", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", pm1(3))], "invalid reduction",
        {"reduction": "avg"})


def cases_soft_margin():
    fn = "soft_margin_loss"
    for red in R3:
        add(fn, "n10-" + red, lambda: [("input", rn(10)), ("target", pm1(10))], "typical, target in {-1, 1}",
            {"reduction": red}, gscale={"mean": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(10)), ("target", pm1(10))], "default 'mean'")
    add(fn, "int64-target-none", lambda: [("input", rn(8)), ("target", ri(0, 2, 8) * 2 - 1)], "int64 target",
        {"reduction": "none"})
    add(fn, "target-random-none", lambda: [("input", rn(8)), ("target", rn(8))],
        "real-valued target (not only +-1)", {"reduction": "none"})
    add(fn, "2d-mean", lambda: [("input", rn(4, 6)), ("target", pm1(4, 6))], "2-D mean", {"reduction": "mean"})
    add(fn, "3d-none", lambda: [("input", rn(2, 3, 4)), ("target", pm1(2, 3, 4))], "3-D", {"reduction": "none"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(1.0))], "0-d", {"reduction": "none"})
    add(fn, "0d-sum", lambda: [("input", rn(())), ("target", torch.tensor(-1.0))], "0-d sum", {"reduction": "sum"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", pm1(4))],
        "target (4,) broadcast against input (3, 4)", {"reduction": "none"})
    add(fn, "broadcast-target-mean", lambda: [("input", rn(3, 4)), ("target", pm1(3, 1))],
        "target (3, 1) broadcast; mean", {"reduction": "mean"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0, 3)), ("target", pm1(0, 3))], "N = 0", {"reduction": red})
    add(fn, "large-magnitude-none", lambda: [("input", torch.tensor([100., -100., 50., -50., 88., 89., -89., 20., 1e-8, 0.])),
                                             ("target", torch.tensor([-1., 1., -1., 1., -1., -1., 1., 1., 1., -1.]))],
        "exp(-y*x) overflows to inf for y*x < -88.7: loss inf, grad -t*inf/(1+inf) = nan",
        {"reduction": "none"})
    add(fn, "large-magnitude-positive-none", lambda: [("input", torch.tensor([100., -100., 30., -30., 17., -17.])),
                                                      ("target", torch.tensor([1., -1., 1., -1., 1., -1.]))],
        "y*x large positive: exp underflows, loss log(1 + tiny)", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, -INF, INF, -INF, 1.0])),
                                       ("target", torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0, NAN]))],
        "nan/inf in input and target", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(8, dtype=F64)), ("target", pm1(8, dtype=F64))], "float64",
        {"reduction": "none"})
    add(fn, "f64-sum", lambda: [("input", rn(8, dtype=F64)), ("target", pm1(8, dtype=F64))], "float64 sum",
        {"reduction": "sum"})
    add(fn, "large-mean", lambda: [("input", rn(1500)), ("target", pm1(1500))], "1500 elements, mean",
        {"reduction": "mean"})
    add(fn, "large-sum", lambda: [("input", rn(25, 40)), ("target", pm1(25, 40))], "1000 elements, sum",
        {"reduction": "sum"}, gscale=-2.0)
    add(fn, "err-size-mismatch", lambda: [("input", rn(3, 4)), ("target", pm1(3))], "shapes do not broadcast",
        {"reduction": "none"})
    add(fn, "err-int-input", lambda: [("input", torch.tensor([1, 2])), ("target", torch.tensor([1, -1]))],
        "int64 input: the output is allocated with the input's dtype", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", pm1(3))], "invalid reduction",
        {"reduction": "avg"})


def cases_poisson():
    fn = "poisson_nll_loss"
    for red in R3:
        add(fn, "log-input-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 6, 4, 5).float())],
            "log_input True (default): exp(input) - target * input", {"reduction": red},
            gscale={"mean": 0.5}.get(red))
    add(fn, "default-options", lambda: [("input", rn(4, 5)), ("target", ri(0, 6, 4, 5).float())],
        "nothing passed: log_input True, full False, 'mean'")
    for red in R3:
        add(fn, "rate-input-" + red, lambda: [("input", ru(4, 5, lo=0.1, hi=4.0)), ("target", ri(0, 6, 4, 5).float())],
            "log_input False: input - target * log(input + eps)", {"log_input": False, "reduction": red})
    add(fn, "full-log-input-none", lambda: [("input", rn(3, 6)), ("target", torch.tensor([[0., 1., 2., 3., 0.5, 1.5], [7., 1., 0., 10., 1.0001, 0.9999], [4., 4., 2., 1., 0., 25.]]))],
        "full: Stirling term target*log(target) - target + 0.5*log(2*pi*target) added only where target > 1",
        {"full": True, "reduction": "none"})
    add(fn, "full-log-input-mean", lambda: [("input", rn(4, 5)), ("target", ri(0, 8, 4, 5).float())], "full, mean",
        {"full": True, "reduction": "mean"})
    add(fn, "full-rate-input-none", lambda: [("input", ru(3, 5, lo=0.1, hi=5.0)), ("target", ri(0, 8, 3, 5).float())],
        "full with log_input False", {"log_input": False, "full": True, "reduction": "none"})
    add(fn, "eps0-zero-input-none", lambda: [("input", torch.tensor([0., 1., 2., 0., 0.5])), ("target", torch.tensor([0., 1., 2., 3., 0.]))],
        "log_input False, eps 0, input 0: log(0) = -inf, target*(-inf) = nan for target 0",
        {"log_input": False, "eps": 0.0, "reduction": "none"})
    add(fn, "eps-large-none", lambda: [("input", torch.tensor([0., 1., 2., 0., 0.5])), ("target", torch.tensor([0., 1., 2., 3., 0.]))],
        "log_input False, eps 0.1", {"log_input": False, "eps": 0.1, "reduction": "none"})
    add(fn, "rate-negative-input-none", lambda: [("input", torch.tensor([-1., -1e-9, 0.5])), ("target", torch.tensor([1., 2., 3.]))],
        "log_input False with negative input: log of a negative number is nan", {"log_input": False, "reduction": "none"})
    add(fn, "int64-target-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 5, 3, 4))], "int64 target",
        {"reduction": "none"})
    add(fn, "int64-target-full-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 5, 3, 4))], "int64 target, full",
        {"full": True, "reduction": "none"})
    add(fn, "float-target-random-none", lambda: [("input", rn(6)), ("target", ru(6, hi=5.0))],
        "non-integer targets; target is differentiable", {"reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 4).float())],
        "target (4,) broadcast", {"reduction": "none"})
    add(fn, "broadcast-input-sum", lambda: [("input", rn(3, 1)), ("target", ri(0, 4, 3, 4).float())],
        "input (3, 1) broadcast against target (3, 4)", {"reduction": "sum"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(3.0))], "0-d", {"full": True, "reduction": "none"})
    add(fn, "3d-mean", lambda: [("input", rn(2, 3, 4)), ("target", ri(0, 4, 2, 3, 4).float())], "3-D, mean",
        {"reduction": "mean"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0)), ("target", rn(0))], "N = 0", {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, -INF, 89., 1.])), ("target", torch.tensor([1., 2., 0., 1., INF]))],
        "nan/inf inputs, exp overflow at 89", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 6, 3, 4).double())], "float64",
        {"full": True, "reduction": "none"})
    add(fn, "f64-rate-mean", lambda: [("input", ru(3, 4, lo=0.1, hi=3.0, dtype=F64)), ("target", ri(0, 6, 3, 4).double())],
        "float64, log_input False", {"log_input": False, "reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(40, 30)), ("target", ri(0, 8, 40, 30).float())], "1200 elements, full, mean",
        {"full": True, "reduction": "mean"})
    add(fn, "large-rate-sum", lambda: [("input", ru(1000, lo=0.05, hi=5.0)), ("target", ri(0, 8, 1000).float())],
        "1000 elements, log_input False, sum", {"log_input": False, "reduction": "sum"})
    add(fn, "err-size-mismatch", lambda: [("input", rn(3, 4)), ("target", rn(3))], "shapes do not broadcast",
        {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", rn(3))],
        "invalid reduction (this function's own message)", {"reduction": "avg"})


def cases_gaussian():
    fn = "gaussian_nll_loss"
    for red in R3:
        add(fn, "same-shape-" + red, lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 5, lo=0.1, hi=2.0))],
            "var shaped like input", {"reduction": red}, gscale={"sum": 0.5}.get(red))
    add(fn, "default-options", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 5, lo=0.1, hi=2.0))],
        "nothing passed: full False, eps 1e-6, 'mean'")
    add(fn, "var-last-dim-1-none", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 1, lo=0.1, hi=2.0))],
        "var (N, 1) with input (N, D): broadcast, grad of var summed over D", {"reduction": "none"})
    add(fn, "var-last-dim-1-mean", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 1, lo=0.1, hi=2.0))],
        "var (N, 1), mean", {"reduction": "mean"})
    add(fn, "var-fewer-dims-none", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, lo=0.1, hi=2.0))],
        "var (N,) with input (N, D): var is unsqueezed to (N, 1)", {"reduction": "none"})
    add(fn, "var-fewer-dims-3d-sum", lambda: [("input", rn(2, 3, 4)), ("target", rn(2, 3, 4)), ("var", ru(2, 3, lo=0.1, hi=2.0))],
        "input (2, 3, 4), var (2, 3)", {"reduction": "sum"})
    add(fn, "var-0d-1d-input-none", lambda: [("input", rn(5)), ("target", rn(5)), ("var", torch.tensor(0.7))],
        "1-D input with 0-d var: input.size()[:-1] == () == var.size(), so var is unsqueezed to (1,)",
        {"reduction": "none"})
    add(fn, "full-none", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", ru(3, 4, lo=0.1, hi=2.0))],
        "full: + 0.5*log(2*pi) (added as a Python float)", {"full": True, "reduction": "none"})
    add(fn, "full-mean", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", ru(3, 1, lo=0.1, hi=2.0))],
        "full, mean", {"full": True, "reduction": "mean"})
    add(fn, "var-zero-none", lambda: [("input", rn(6)), ("target", rn(6)), ("var", torch.tensor([0., 1e-8, 1e-6, 2e-6, 0.5, 0.]))],
        "var below eps is clamped to eps (in place, under no_grad): the value uses eps, and the grad "
        "still flows to var at the clamped value", {"reduction": "none"})
    add(fn, "var-zero-eps-large-none", lambda: [("input", rn(5)), ("target", rn(5)), ("var", torch.tensor([0., 0.05, 0.1, 0.2, 1.]))],
        "eps = 0.1", {"eps": 0.1, "reduction": "none"})
    add(fn, "var-zero-eps0-none", lambda: [("input", rn(4)), ("target", rn(4)), ("var", torch.tensor([0., 1., 0., 2.]))],
        "eps = 0 and var 0: log(0) = -inf, (x - y)^2 / 0 = inf: -inf + inf = nan", {"eps": 0.0, "reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", rn(4)), ("var", ru(3, 4, lo=0.1))],
        "target (4,) broadcast (only var's size is checked against input)", {"reduction": "none"})
    add(fn, "broadcast-input-none", lambda: [("input", rn(4)), ("target", rn(3, 4)), ("var", ru(4, lo=0.1))],
        "input (4,) with target (3, 4): output (3, 4)", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0, 3)), ("target", rn(0, 3)), ("var", ru(0, 3))], "N = 0",
            {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, 1., 1., 0.])), ("target", torch.tensor([0., 0., INF, 1., 0.])),
                                       ("var", torch.tensor([1., 1., 1., INF, NAN]))],
        "nan/inf in input, target and var", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", rn(3, 4, dtype=F64)), ("var", ru(3, 4, lo=0.1, dtype=F64))],
        "float64", {"full": True, "reduction": "none"})
    add(fn, "f64-var-fewer-mean", lambda: [("input", rn(3, 4, dtype=F64)), ("target", rn(3, 4, dtype=F64)), ("var", ru(3, lo=0.1, dtype=F64))],
        "float64, var (N,)", {"reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(40, 25)), ("target", rn(40, 25)), ("var", ru(40, 25, lo=0.05, hi=3.0))],
        "1000 elements, mean", {"reduction": "mean"})
    add(fn, "large-var-col-sum", lambda: [("input", rn(80, 12)), ("target", rn(80, 12)), ("var", ru(80, 1, lo=0.05, hi=3.0))],
        "960 elements with var (N, 1), full, sum", {"full": True, "reduction": "sum"}, gscale=-2.0)
    add(fn, "err-var-negative", lambda: [("input", rn(3)), ("target", rn(3)), ("var", torch.tensor([1., -0.5, 1.]))],
        "negative var", {"reduction": "mean"})
    for desc, vs in (("scalar1", (1,)), ("1x1", (1, 1)), ("1x4", (1, 4)), ("3x2", (3, 2)), ("4", (4,))):
        add(fn, "err-var-size-" + desc, lambda vs=vs: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", ru(*vs, lo=0.1))],
            "var of size %s with input (3, 4): not same size, not input.size()[:-1], not (..., 1) "
            "with matching leading dims" % (vs,), {"reduction": "none"})
    add(fn, "err-var-0d-2d-input", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", torch.tensor(1.0))],
        "0-d var with 2-D input", {"reduction": "none"})
    add(fn, "err-target-mismatch", lambda: [("input", rn(3, 4)), ("target", rn(3, 2)), ("var", ru(3, 4, lo=0.1))],
        "target does not broadcast", {"reduction": "none"})
    add(fn, "err-int-var", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", torch.ones(3, 4, dtype=I64))],
        "int64 var: the in-place clamp_(min=eps) cannot write a float into int64", {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", rn(3)), ("var", ru(3, lo=0.1))],
        "invalid reduction (checked before the negative-var check)", {"reduction": "avg"})
    add(fn, "err-reduction-avg-and-negative", lambda: [("input", rn(3)), ("target", rn(3)), ("var", torch.tensor([1., -1., 1.]))],
        "invalid reduction and negative var: the reduction error wins", {"reduction": "avg"})

