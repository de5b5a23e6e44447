"""Cases of the embedding losses and the distances: cosine_embedding_loss, triplet_margin_loss,
triplet_margin_with_distance_loss, pairwise_distance, cosine_similarity."""
import torch

from .cases import R3, add, pm1, ri, rn
from .encoding import F32, F64, INF, NAN


def cases_cosine_embedding():
    fn = "cosine_embedding_loss"
    for red in R3:
        add(fn, "4x6-" + red, lambda: [("input1", rn(4, 6)), ("input2", rn(4, 6)), ("target", pm1(4))],
            "typical, target in {-1, 1}, margin 0", {"reduction": red}, gscale={"mean": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input1", rn(4, 6)), ("input2", rn(4, 6)), ("target", pm1(4))],
        "default 'mean'")
    add(fn, "int64-target-none", lambda: [("input1", rn(5, 3)), ("input2", rn(5, 3)), ("target", ri(0, 2, 5) * 2 - 1)],
        "int64 target", {"reduction": "none"})
    for m in (0.5, -0.5, 2.0):
        add(fn, "margin%s-none" % m, lambda: [("input1", rn(6, 4)), ("input2", rn(6, 4)), ("target", pm1(6))],
            "margin %s (applies to target -1 rows: max(0, cos - margin))" % m,
            {"margin": m, "reduction": "none"})
    add(fn, "target-other-values-none", lambda: [("input1", rn(4, 3)), ("input2", rn(4, 3)), ("target", torch.tensor([0., 2., -1., 0.5]))],
        "target neither 1 nor -1 gives loss 0", {"reduction": "none"})
    add(fn, "1d-0d-target-none", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", torch.tensor(1.0))],
        "1-D inputs with 0-d target: 0-d output", {"reduction": "none"})
    add(fn, "1d-0d-target-mean", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", torch.tensor(-1))],
        "1-D inputs with 0-d int64 target -1, margin -1 (always active), mean", {"margin": -1.0, "reduction": "mean"})
    add(fn, "identical-none", lambda: (lambda a: [("input1", a), ("input2", a.clone()), ("target", pm1(4))])(rn(4, 5)),
        "input1 == input2: cos ~ 1 (may round to a value just below/above 1)", {"reduction": "none"})
    add(fn, "opposite-none", lambda: (lambda a: [("input1", a), ("input2", -a), ("target", pm1(4))])(rn(4, 5)),
        "input2 == -input1: cos ~ -1", {"reduction": "none"})
    add(fn, "zero-vectors-none", lambda: [("input1", torch.tensor([[0., 0., 0.], [1., 2., 3.], [0., 0., 0.], [1e-7, 0., 0.]])),
                                          ("input2", torch.tensor([[1., 2., 3.], [0., 0., 0.], [0., 0., 0.], [1e-7, 0., 0.]])),
                                          ("target", torch.tensor([1., 1., -1., 1.]))],
        "zero / tiny vectors: EPSILON = 1e-12 is added to each squared magnitude, so cos = 0 (finite grads)",
        {"reduction": "none"})
    add(fn, "broadcast-input2-none", lambda: [("input1", rn(3, 4)), ("input2", rn(1, 4)), ("target", pm1(3))],
        "input2 (1, 4) broadcast against input1 (3, 4)", {"reduction": "none"})
    add(fn, "zero-dim-none", lambda: [("input1", rn(2, 0)), ("input2", rn(2, 0)), ("target", pm1(2))],
        "D = 0: cos = 0 / sqrt(1e-24) = 0", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input1", rn(0, 4)), ("input2", rn(0, 4)), ("target", pm1(0))], "N = 0",
            {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input1", torch.tensor([[NAN, 1.], [INF, 1.], [1., 1.]])),
                                       ("input2", torch.tensor([[1., 1.], [1., 1.], [INF, -INF]])),
                                       ("target", torch.tensor([1., -1., 1.]))],
        "nan/inf inputs", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input1", rn(3, 4, dtype=F64)), ("input2", rn(3, 4, dtype=F64)), ("target", pm1(3, dtype=F64))],
        "float64", {"reduction": "none"})
    add(fn, "f64-margin-mean", lambda: [("input1", rn(3, 4, dtype=F64)), ("input2", rn(3, 4, dtype=F64)), ("target", pm1(3, dtype=F64))],
        "float64, margin, mean", {"margin": -0.2, "reduction": "mean"})
    add(fn, "large-mean", lambda: [("input1", rn(150, 8)), ("input2", rn(150, 8)), ("target", pm1(150))],
        "150 x 8, mean", {"margin": 0.1, "reduction": "mean"})
    add(fn, "large-dim-sum", lambda: [("input1", rn(3, 400)), ("input2", rn(3, 400)), ("target", pm1(3))],
        "long vectors (D = 400): the sums over D", {"reduction": "sum"})
    add(fn, "err-2d-target", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 4)), ("target", pm1(3, 1))],
        "2-D target", {"reduction": "mean"})
    add(fn, "err-3d-inputs", lambda: [("input1", rn(2, 3, 4)), ("input2", rn(2, 3, 4)), ("target", pm1(2))],
        "3-D inputs with 1-D target", {"reduction": "mean"})
    add(fn, "err-1d-inputs-1d-target", lambda: [("input1", rn(4)), ("input2", rn(4)), ("target", pm1(1))],
        "1-D inputs with 1-D target", {"reduction": "mean"})
    add(fn, "err-input2-1d", lambda: [("input1", rn(3, 4)), ("input2", rn(4)), ("target", pm1(3))],
        "only input1's dim is checked in 1.13; a 1-D input2 fails in sum(1) with IndexError",
        {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 5)), ("target", pm1(3))],
        "D differs", {"reduction": "mean"})
    add(fn, "err-target-size", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 4)), ("target", pm1(2))],
        "target length differs from N", {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 4)), ("target", pm1(3))],
        "invalid reduction", {"reduction": "avg"})


def _trip(shape, dtype=F32):
    return lambda: [("anchor", rn(*shape, dtype=dtype)), ("positive", rn(*shape, dtype=dtype)),
                    ("negative", rn(*shape, dtype=dtype))]


def cases_triplet(fn):
    dist = fn == "triplet_margin_with_distance_loss"
    for red in R3:
        add(fn, "4x6-" + red, _trip((4, 6)), "typical (p = 2, margin 1)", {"reduction": red},
            gscale={"sum": -2.0}.get(red))
    add(fn, "default-reduction", _trip((4, 6)), "default 'mean'")
    if not dist:
        for pv in (1, 1.5, 3, INF):
            add(fn, "p%s-none" % pv, _trip((4, 6)), "p = %s" % pv, {"p": pv, "reduction": "none"})
        add(fn, "p1-mean", _trip((4, 6)), "p = 1, mean", {"p": 1, "reduction": "mean"})
        add(fn, "eps0-identical-none", lambda: (lambda a: [("anchor", a), ("positive", a.clone()), ("negative", rn(3, 4))])(rn(3, 4)),
            "eps = 0 and anchor == positive: zero distance (norm backward at 0)", {"eps": 0.0, "reduction": "none"})
        add(fn, "eps-large-none", _trip((3, 4)), "eps = 0.5 (added to the difference before the norm)",
            {"eps": 0.5, "reduction": "none"})
    add(fn, "swap-none", _trip((5, 4)), "swap: negative distance = min(d(a, n), d(p, n))", {"swap": True, "reduction": "none"})
    add(fn, "swap-mean", _trip((5, 4)), "swap, mean", {"swap": True, "reduction": "mean"})
    if not dist:
        add(fn, "swap-p1-sum", _trip((5, 4)), "swap with p = 1", {"swap": True, "p": 1, "reduction": "sum"})
    add(fn, "swap-tie-none", lambda: (lambda a: [("anchor", a), ("positive", a.clone()), ("negative", rn(3, 4))])(rn(3, 4)),
        "swap with anchor == positive: d(a, n) == d(p, n), torch.min's grad is split between the tied "
        "arguments (margin 10 keeps the loss active)", {"swap": True, "margin": 10.0, "reduction": "none"})
    for m in (0.0, -1.0, 100.0):
        add(fn, "margin%s-none" % m, _trip((4, 5)),
            "margin %s%s" % (m, " (torch 1.13 does not reject margin <= 0; 2.x raises)" if dist and m <= 0 else ""),
            {"margin": m, "reduction": "none"})
    add(fn, "ties-margin0-none", lambda: (lambda a, p: [("anchor", a), ("positive", p), ("negative", p.clone())])(rn(3, 4), rn(3, 4)),
        "positive == negative and margin 0: clamp input exactly 0 (clamp_min grad passes at 0)",
        {"margin": 0.0, "reduction": "none"})
    add(fn, "1d-none", _trip((6,)), "1-D inputs: one triplet, 0-d output", {"reduction": "none"})
    add(fn, "0d-none", _trip(()), "0-d inputs", {"reduction": "none"})
    add(fn, "3d-none", _trip((2, 3, 4)), "3-D inputs: distance over the last dim, output (2, 3)", {"reduction": "none"})
    add(fn, "broadcast-positive-none", lambda: [("anchor", rn(3, 4)), ("positive", rn(1, 4)), ("negative", rn(3, 4))],
        "positive (1, 4) broadcast against (3, 4)", {"reduction": "none"})
    if dist:
        add(fn, "broadcast-dims-none", lambda: [("anchor", rn(3, 4)), ("positive", rn(4)), ("negative", rn(3, 4))],
            "positive 1-D with 2-D anchor: allowed here (no dim check), broadcast", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, _trip((0, 4)), "N = 0", {"reduction": red})
    add(fn, "zero-dim-none", _trip((2, 0)), "D = 0: distances 0, loss = max(margin, 0)", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("anchor", torch.tensor([[NAN, 0.], [INF, 0.], [0., 0.], [1., 1.]])),
                                       ("positive", torch.tensor([[0., 0.], [0., 0.], [INF, 0.], [1., 1.]])),
                                       ("negative", torch.tensor([[1., 0.], [1., 0.], [1., 0.], [-INF, 1.]]))],
        "nan/inf inputs", {"reduction": "none"})
    add(fn, "f64-none", _trip((3, 4), F64), "float64", {"reduction": "none"})
    add(fn, "f64-swap-mean", _trip((3, 4), F64), "float64, swap", {"swap": True, "reduction": "mean"})
    if not dist:
        add(fn, "f64-p3-sum", _trip((3, 4), F64), "float64, p = 3", {"p": 3, "reduction": "sum"})
    add(fn, "large-mean", _trip((160, 6)), "160 x 6, mean", {"reduction": "mean"})
    add(fn, "large-swap-sum", _trip((120, 8)), "120 x 8, swap, sum", {"swap": True, "reduction": "sum"}, gscale=0.5)
    if not dist:
        add(fn, "err-dim-mismatch", lambda: [("anchor", rn(3, 4)), ("positive", rn(4)), ("negative", rn(3, 4))],
            "inputs with different numbers of dims", {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("anchor", rn(3, 4)), ("positive", rn(3, 5)), ("negative", rn(3, 4))],
        "D differs", {"reduction": "mean"})
    add(fn, "err-reduction-avg", _trip((3, 4)),
        "invalid reduction" + (" (raised after the distances are computed)" if dist else ""),
        {"reduction": "avg"})
    if dist:
        # distance_function given: torch's Python calls it on (a, p), (a, n) and with swap (p, n)
        pd = lambda **kw: {"fn": "pairwise_distance", "options": kw}  # noqa: E731
        cs = lambda **kw: {"fn": "cosine_similarity", "options": kw}  # noqa: E731
        add(fn, "fn-pd-p1-none", _trip((4, 6)), "distance_function = pairwise_distance(p=1)",
            {"distance_function": pd(p=1.0), "reduction": "none"})
        add(fn, "fn-pd-p3-swap-mean", _trip((5, 4)), "pairwise_distance(p=3), swap",
            {"distance_function": pd(p=3.0), "swap": True, "reduction": "mean"})
        add(fn, "fn-pd-eps-sum", _trip((4, 5)), "pairwise_distance(eps=0.1), sum",
            {"distance_function": pd(eps=0.1), "reduction": "sum"}, gscale=-2.0)
        add(fn, "fn-cos-none", _trip((4, 6)), "distance_function = cosine_similarity (a similarity: "
            "any function of two tensors is allowed)", {"distance_function": cs(), "reduction": "none"})
        add(fn, "fn-cos-swap-sum", _trip((6, 3)), "cosine_similarity, swap, sum",
            {"distance_function": cs(), "swap": True, "reduction": "sum"}, gscale=0.5)
        add(fn, "fn-pd-swap-tie-none", lambda: (lambda a: [("anchor", a), ("positive", a.clone()), ("negative", rn(3, 4))])(rn(3, 4)),
            "pairwise_distance(p=1), swap with anchor == positive: tied distances",
            {"distance_function": pd(p=1.0), "swap": True, "margin": 10.0, "reduction": "none"})
        add(fn, "fn-pd-broadcast-none", lambda: [("anchor", rn(3, 4)), ("positive", rn(1, 4)), ("negative", rn(3, 4))],
            "pairwise_distance(p=1), positive (1, 4) broadcast", {"distance_function": pd(p=1.0), "reduction": "none"})
        add(fn, "fn-pd-f64-swap-mean", _trip((3, 4), F64), "float64, pairwise_distance(p=1), swap",
            {"distance_function": pd(p=1.0), "swap": True, "reduction": "mean"})
        add(fn, "fn-pd-empty-mean", _trip((0, 4)), "N = 0 with a distance_function",
            {"distance_function": pd(p=1.0), "reduction": "mean"})
        add(fn, "fn-err-reduction-avg", _trip((3, 4)), "invalid reduction with a distance_function",
            {"distance_function": pd(p=1.0), "reduction": "avg"})


def _pair(shape, dtype=F32):
    return lambda: [("x1", rn(*shape, dtype=dtype)), ("x2", rn(*shape, dtype=dtype))]


def cases_pairwise_distance():
    fn = "pairwise_distance"
    add(fn, "4x6-default", _pair((4, 6)), "defaults p = 2, eps 1e-6: ||x1 - x2 + eps||_p over the last dim")
    for pv in (1.0, 3.0, 1.5, INF, 0.0, 0.5):
        add(fn, "p%s" % pv, _pair((4, 6)), "p = %s%s" % (pv, " (torch's norm backward returns no gradient for p = 0: grads null, i.e. zero)" if pv == 0 else ""), {"p": pv})
    add(fn, "keepdim", _pair((4, 6)), "keepdim True: (N, 1)", {"keepdim": True})
    add(fn, "identical", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(3, 5)),
        "x1 == x2: distance eps * D^(1/p)")
    add(fn, "identical-eps0", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(3, 5)),
        "x1 == x2, eps 0: distance 0, norm backward at 0 gives 0", {"eps": 0.0})
    add(fn, "identical-eps0-p1", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(3, 5)),
        "x1 == x2, eps 0, p = 1 (sign(0) = 0)", {"eps": 0.0, "p": 1.0})
    add(fn, "eps-large", _pair((3, 4)), "eps 0.5", {"eps": 0.5})
    add(fn, "1d", _pair((6,)), "1-D: 0-d output")
    add(fn, "1d-keepdim", _pair((6,)), "1-D keepdim: (1,)", {"keepdim": True})
    add(fn, "0d", _pair(()), "0-d inputs: norm over dim -1 of a 0-d tensor")
    add(fn, "3d", _pair((2, 3, 4)), "3-D: over the last dim, output (2, 3)")
    add(fn, "broadcast-1d-2d", lambda: [("x1", rn(4)), ("x2", rn(3, 4))], "x1 (4,) broadcast against x2 (3, 4)")
    add(fn, "broadcast-3d-2d", lambda: [("x1", rn(2, 3, 4)), ("x2", rn(3, 4))], "x1 (2, 3, 4), x2 (3, 4)")
    add(fn, "empty-batch", _pair((0, 4)), "N = 0")
    add(fn, "zero-dim", _pair((3, 0)), "D = 0: distance 0")
    add(fn, "large-values", lambda: [("x1", rn(3, 4) * 1e20), ("x2", rn(3, 4) * 1e20)],
        "values ~1e20: squares overflow float32 -> inf distance (p = 2)")
    add(fn, "nonfinite", lambda: [("x1", torch.tensor([[NAN, 0.], [INF, 0.], [INF, 1.], [1., 2.]])),
                                  ("x2", torch.tensor([[0., 0.], [0., 0.], [INF, 1.], [-INF, 2.]]))],
        "nan/inf inputs")
    add(fn, "f64", _pair((3, 4), F64), "float64")
    add(fn, "f64-p1-keepdim", _pair((3, 4), F64), "float64, p = 1, keepdim", {"p": 1.0, "keepdim": True})
    add(fn, "int-inputs", lambda: [("x1", ri(-3, 4, 2, 3)), ("x2", ri(-3, 4, 2, 3))],
        "int64 inputs: x1 - x2 + eps is float32")
    add(fn, "large", _pair((200, 5)), "200 x 5")
    add(fn, "large-dim-p3", _pair((3, 400)), "D = 400, p = 3", {"p": 3.0})
    add(fn, "err-size-mismatch", lambda: [("x1", rn(3, 4)), ("x2", rn(3, 5))], "D differs")
    add(fn, "err-batch-mismatch", lambda: [("x1", rn(3, 4)), ("x2", rn(2, 4))], "N differs")


def cases_cosine_similarity():
    fn = "cosine_similarity"
    add(fn, "4x6-default", _pair((4, 6)), "defaults dim 1, eps 1e-8")
    add(fn, "dim0", _pair((4, 6)), "dim 0", {"dim": 0})
    add(fn, "dim-1", _pair((4, 6)), "dim -1", {"dim": -1})
    add(fn, "identical", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(5, 4)),
        "x1 == x2: 1 up to rounding (computed as sum((x1/|x1|) * (x2/|x2|)))")
    add(fn, "opposite", lambda: (lambda a: [("x1", a), ("x2", -a)])(rn(5, 4)), "x2 == -x1")
    add(fn, "zero-vectors", lambda: [("x1", torch.tensor([[0., 0., 0.], [1., 2., 3.], [0., 0., 0.], [1e-9, 0., 0.]])),
                                     ("x2", torch.tensor([[1., 2., 3.], [0., 0., 0.], [0., 0., 0.], [1e-9, 1e-9, 0.]]))],
        "zero / tiny vectors: each norm is clamped to eps (clamp under no_grad)")
    add(fn, "eps-large", lambda: [("x1", rn(4, 3) * 0.1), ("x2", rn(4, 3))], "eps 0.5: small norms clamped",
        {"eps": 0.5})
    add(fn, "1d", _pair((6,)), "1-D with dim 0: 0-d output", {"dim": 0})
    add(fn, "0d", _pair(()), "0-d with dim 0", {"dim": 0})
    add(fn, "3d-dim1", _pair((2, 3, 4)), "3-D, dim 1: output (2, 4)")
    add(fn, "3d-dim2", _pair((2, 3, 4)), "3-D, dim 2", {"dim": 2})
    add(fn, "broadcast-1d", lambda: [("x1", rn(3, 4)), ("x2", rn(4))], "x2 (4,) broadcast to (3, 4)")
    add(fn, "broadcast-both", lambda: [("x1", rn(3, 1, 4)), ("x2", rn(1, 2, 4))], "x1 (3, 1, 4), x2 (1, 2, 4), dim -1",
        {"dim": -1})
    add(fn, "empty-batch", _pair((0, 4)), "N = 0")
    add(fn, "zero-dim", _pair((3, 0)), "D = 0: 0")
    add(fn, "large-values", lambda: [("x1", rn(3, 4) * 1e20), ("x2", rn(3, 4))], "x1 ~1e20: the norm overflows")
    add(fn, "nonfinite", lambda: [("x1", torch.tensor([[NAN, 1.], [INF, 1.], [1., 1.]])), ("x2", torch.tensor([[1., 1.], [1., 1.], [INF, -INF]]))],
        "nan/inf inputs")
    add(fn, "f64", _pair((3, 4), F64), "float64")
    add(fn, "f64-dim0", _pair((3, 4), F64), "float64, dim 0", {"dim": 0})
    add(fn, "int-and-float", lambda: [("x1", ri(-3, 4, 2, 3)), ("x2", rn(2, 3))],
        "int64 x1 with float32 x2: x1 converted to float32")
    add(fn, "large", _pair((200, 5)), "200 x 5")
    add(fn, "large-dim", _pair((3, 400)), "D = 400", {"dim": 1})
    add(fn, "err-dim-out-of-range", _pair((3, 4)), "dim 2 on 2-D inputs", {"dim": 2})
    add(fn, "err-1d-default-dim", _pair((4,)), "1-D inputs with the default dim 1")
    add(fn, "err-size-mismatch", lambda: [("x1", rn(3, 4)), ("x2", rn(3, 5))], "shapes do not broadcast")
    add(fn, "err-int-inputs", lambda: [("x1", ri(-3, 4, 2, 3)), ("x2", ri(-3, 4, 2, 3))],
        "both int64: common dtype must be floating")

