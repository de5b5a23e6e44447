"""Cases of ctc_loss."""
import torch

from .cases import R3, add, lsm, ri
from .encoding import F32, F64, I32, I64


def _ctc_padded(N, S, C, blank=0):
    """targets (N, S) with labels != blank"""
    t = torch.randint(0, C - 1, (N, S))
    return t + (t >= blank).to(t.dtype)


def cases_ctc():
    fn = "ctc_loss"
    T, N, C, S = 8, 3, 5, 4

    def std(lists=False, concat=False, blank=0, T=T, N=N, C=C, S=S, il=None, tl=None, dtype=F32, int32=False):
        def make():
            lp = lsm(T, N, C, dtype)
            tg = _ctc_padded(N, S, C, blank)
            ilv = il if il is not None else [T] * N
            tlv = tl if tl is not None else [S] * N
            if concat:
                tg = torch.cat([tg[i, :tlv[i]] for i in range(N)])
            if int32:
                tg = tg.to(I32)
            if lists:
                return [("log_probs", lp), ("targets", tg), ("input_lengths", list(ilv)), ("target_lengths", list(tlv))]
            ldt = I32 if int32 else I64
            return [("log_probs", lp), ("targets", tg), ("input_lengths", torch.tensor(ilv, dtype=ldt)),
                    ("target_lengths", torch.tensor(tlv, dtype=ldt))]
        return make

    IL, TL = [8, 7, 8], [4, 2, 3]
    for red in R3:
        add(fn, "padded-tensor-lengths-" + red, std(il=IL, tl=TL),
            "padded targets (N, S), lengths as int64 tensors; 'mean' divides each loss by its target "
            "length, then averages", {"reduction": red}, gscale={"mean": 1.0, "sum": 0.5}.get(red))
    for red in R3:
        add(fn, "padded-list-lengths-" + red, std(lists=True, il=IL, tl=TL),
            "padded targets, lengths as Python lists (the IntArrayRef overload)", {"reduction": red})
    add(fn, "default-options", std(il=IL, tl=TL), "nothing passed: blank 0, 'mean', zero_infinity False")
    add(fn, "concat-tensor-lengths-none", std(concat=True, il=IL, tl=TL), "concatenated 1-D targets, tensor lengths",
        {"reduction": "none"})
    add(fn, "concat-list-lengths-mean", std(concat=True, lists=True, il=IL, tl=TL), "concatenated targets, list lengths",
        {"reduction": "mean"})
    add(fn, "concat-tensor-lengths-sum", std(concat=True, il=IL, tl=TL), "concatenated targets, sum",
        {"reduction": "sum"}, gscale=-2.0)
    add(fn, "blank-last-none", std(blank=C - 1, il=IL, tl=TL), "blank = C - 1 (targets in 0..C-2)",
        {"blank": C - 1, "reduction": "none"})
    add(fn, "blank-last-mean", std(blank=C - 1, concat=True, il=IL, tl=TL), "blank = C - 1, concatenated, mean",
        {"blank": C - 1, "reduction": "mean"})
    add(fn, "blank-middle-sum", std(blank=2, il=IL, tl=TL), "blank = 2", {"blank": 2, "reduction": "sum"})
    add(fn, "short-inputs-none", std(il=[8, 5, 3], tl=[3, 2, 1]),
        "input lengths < T: the grad is 0 for t >= input_length", {"reduction": "none"})
    # impossible alignments
    for zi in (False, True):
        for red in R3:
            add(fn, "impossible-zi%d-%s" % (zi, red), std(T=5, S=6, il=[5, 5, 5], tl=[6, 2, 5]),
                "target longer than input for samples 0 and 2 -> inf loss%s" %
                ("; zero_infinity zeroes those losses and their grads" if zi else "; grads are nan"),
                {"reduction": red, "zero_infinity": zi})
    add(fn, "repeats-need-blanks-none", lambda: [("log_probs", lsm(5, 2, 4)), ("targets", torch.tensor([[1, 1, 2], [1, 2, 3]])),
                                                 ("input_lengths", torch.tensor([5, 5])), ("target_lengths", torch.tensor([3, 3]))],
        "[1, 1, 2] needs 4 frames (a blank between the repeats), [1, 2, 3] needs 3: both feasible at T = 5",
        {"reduction": "none"})
    add(fn, "repeats-infeasible-none", lambda: [("log_probs", lsm(4, 2, 4)), ("targets", torch.tensor([[1, 1, 1], [2, 2, 3]])),
                                                ("input_lengths", torch.tensor([4, 4])), ("target_lengths", torch.tensor([3, 3]))],
        "[1, 1, 1] needs 5 frames > T = 4: inf; [2, 2, 3] needs 4: finite", {"reduction": "none"})
    add(fn, "repeats-infeasible-zi-mean", lambda: [("log_probs", lsm(4, 2, 4)), ("targets", torch.tensor([[1, 1, 1], [2, 2, 3]])),
                                                   ("input_lengths", torch.tensor([4, 4])), ("target_lengths", torch.tensor([3, 3]))],
        "as above with zero_infinity, mean", {"reduction": "mean", "zero_infinity": True})
    add(fn, "target-length-zero-none", std(il=[8, 6, 8], tl=[0, 3, 0]),
        "target length 0: loss = -sum_t log_probs[t, blank]", {"reduction": "none"})
    add(fn, "target-length-zero-mean", std(il=[8, 6, 8], tl=[0, 3, 0]),
        "target length 0 with mean: divided by max(length, 1) = 1", {"reduction": "mean"})
    add(fn, "target-length-zero-concat-sum", std(concat=True, il=[8, 6, 8], tl=[0, 3, 0]), "length 0, concatenated",
        {"reduction": "sum"})
    add(fn, "all-targets-empty-mean", lambda: [("log_probs", lsm(6, 3, 4)), ("targets", torch.zeros(0, dtype=I64)),
                                               ("input_lengths", torch.tensor([6, 4, 5])), ("target_lengths", torch.tensor([0, 0, 0]))],
        "all target lengths 0, empty concatenated targets", {"reduction": "mean"})
    add(fn, "padded-width-zero-none", lambda: [("log_probs", lsm(6, 2, 4)), ("targets", torch.zeros(2, 0, dtype=I64)),
                                               ("input_lengths", torch.tensor([6, 3])), ("target_lengths", torch.tensor([0, 0]))],
        "padded targets of shape (N, 0)", {"reduction": "none"})
    for red in R3:
        add(fn, "unbatched-" + red, lambda: [("log_probs", lsm(7, None, 5)), ("targets", _ctc_padded(1, 3, 5)[0]),
                                             ("input_lengths", torch.tensor(7)), ("target_lengths", torch.tensor(3))],
            "unbatched (T, C) log_probs, 1-D targets, 0-d lengths: 'none' gives a 0-d loss", {"reduction": red})
    add(fn, "unbatched-list-lengths-none", lambda: [("log_probs", lsm(7, None, 5)), ("targets", _ctc_padded(1, 3, 5)[0]),
                                                    ("input_lengths", [6]), ("target_lengths", [3])],
        "unbatched with list lengths [T'] and [S]", {"reduction": "none"})
    add(fn, "targets-equal-blank-none", lambda: [("log_probs", lsm(6, 2, 4)), ("targets", torch.tensor([[0, 0], [1, 0]])),
                                                 ("input_lengths", torch.tensor([6, 6])), ("target_lengths", torch.tensor([2, 2]))],
        "targets containing the blank label (documented as not allowed; no check): recorded as torch "
        "computes it", {"reduction": "none"})
    add(fn, "int32-targets-lengths-none", std(int32=True, il=IL, tl=TL), "int32 targets and int32 length tensors",
        {"reduction": "none"})
    add(fn, "float-targets-none", lambda: (lambda m: [(n, v.float() if n == "targets" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "float32 targets are accepted (converted to int64); no grad for them", {"reduction": "none"})
    add(fn, "lengths-2d-none", lambda: (lambda m: [(n, v.reshape(1, -1) if n.endswith("lengths") else v) for n, v in m])(std(il=IL, tl=TL)()),
        "length tensors of shape (1, N) are flattened", {"reduction": "none"})
    add(fn, "f64-none", std(il=IL, tl=TL, dtype=F64), "float64", {"reduction": "none"})
    add(fn, "f64-mean", std(lists=True, concat=True, il=IL, tl=TL, dtype=F64), "float64, concatenated, list lengths, mean",
        {"reduction": "mean"})
    add(fn, "f64-impossible-zi-sum", std(T=5, S=6, il=[5, 5, 5], tl=[6, 2, 5], dtype=F64), "float64 with zero_infinity",
        {"reduction": "sum", "zero_infinity": True})
    add(fn, "batch-empty-none", lambda: [("log_probs", lsm(5, 0, 4)), ("targets", torch.zeros(0, 3, dtype=I64)),
                                         ("input_lengths", torch.zeros(0, dtype=I64)), ("target_lengths", torch.zeros(0, dtype=I64))],
        "N = 0", {"reduction": "none"})
    add(fn, "batch-empty-sum", lambda: [("log_probs", lsm(5, 0, 4)), ("targets", torch.zeros(0, dtype=I64)),
                                        ("input_lengths", []), ("target_lengths", [])],
        "N = 0, concatenated, list lengths, sum = 0", {"reduction": "sum"})
    add(fn, "batch-empty-mean", lambda: [("log_probs", lsm(5, 0, 4)), ("targets", torch.zeros(0, 3, dtype=I64)),
                                         ("input_lengths", torch.zeros(0, dtype=I64)), ("target_lengths", torch.zeros(0, dtype=I64))],
        "N = 0, mean = nan", {"reduction": "mean"})
    add(fn, "large-mean", std(T=50, N=4, C=10, S=12, il=[50, 45, 50, 38], tl=[12, 10, 7, 12]),
        "T = 50, N = 4, C = 10 (2000 log_probs), mean", {"reduction": "mean"})
    add(fn, "large-concat-sum", std(T=40, N=4, C=10, S=15, concat=True, il=[40, 40, 33, 40], tl=[15, 9, 12, 1]),
        "T = 40, N = 4, C = 10, concatenated, sum", {"reduction": "sum"})
    # errors
    for b in (C, -1):
        add(fn, "err-blank-%s" % b, std(il=IL, tl=TL), "blank out of range [0, C)", {"blank": b, "reduction": "mean"})
    add(fn, "err-input-length-too-long", std(il=[9, 8, 8], tl=TL), "input length > T", {"reduction": "mean"})
    add(fn, "err-target-length-too-long", std(il=IL, tl=[5, 2, 3]), "target length > S (padded)", {"reduction": "mean"})
    add(fn, "err-concat-wrong-total", lambda: (lambda m: [(n, v[:-1] if n == "targets" else v) for n, v in m])(std(concat=True, il=IL, tl=TL)()),
        "concatenated targets shorter than sum(target_lengths)", {"reduction": "mean"})
    add(fn, "err-input-lengths-size", std(il=[8, 8], tl=TL), "len(input_lengths) != N", {"reduction": "mean"})
    add(fn, "err-target-lengths-size", std(il=IL, tl=[4, 2]), "len(target_lengths) != N", {"reduction": "mean"})
    add(fn, "err-targets-batch", lambda: (lambda m: [(n, v[:2] if n == "targets" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "padded targets with fewer rows than N", {"reduction": "mean"})
    add(fn, "err-log-probs-4d", lambda: (lambda m: [(n, v[None] if n == "log_probs" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "4-D log_probs (unsqueezed to 5-D internally, hence the message)", {"reduction": "mean"})
    add(fn, "err-targets-3d", lambda: (lambda m: [(n, v[:, :, None] if n == "targets" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "3-D targets", {"reduction": "mean"})
    add(fn, "err-float-lengths", lambda: (lambda m: [(n, v.float() if n == "input_lengths" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "float input_lengths", {"reduction": "mean"})
    add(fn, "err-int-log-probs", lambda: [("log_probs", ri(-3, 0, 4, 2, 3)), ("targets", torch.tensor([[1], [2]])),
                                          ("input_lengths", torch.tensor([4, 4])), ("target_lengths", torch.tensor([1, 1]))],
        "int64 log_probs", {"reduction": "mean"})
    add(fn, "err-zero-time-steps", lambda: [("log_probs", lsm(0, 2, 3)), ("targets", torch.tensor([[1], [2]])),
                                            ("input_lengths", torch.tensor([0, 0])), ("target_lengths", torch.tensor([1, 1]))],
        "T = 0", {"reduction": "mean"})
    add(fn, "err-mixed-list-tensor", lambda: (lambda m: [(n, v.tolist() if n == "target_lengths" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "input_lengths a tensor but target_lengths a list: no overload matches (TypeError)", {"reduction": "mean"})
    add(fn, "err-reduction-avg", std(il=IL, tl=TL), "invalid reduction", {"reduction": "avg"})

