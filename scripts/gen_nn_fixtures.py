#!/usr/bin/env python3
"""Generates tests/golden/nn_losses.json: golden cases, computed by real torch 1.13.1 (CPU, one
thread), for the torch.nn.functional losses losslab adds

  margin_ranking_loss, hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
  multi_margin_loss, multilabel_margin_loss, cosine_embedding_loss, triplet_margin_loss,
  triplet_margin_with_distance_loss (distance_function None or a torch.nn.functional distance), poisson_nll_loss,
  gaussian_nll_loss, ctc_loss

and the distances pairwise_distance and cosine_similarity.

Each case stores its operands in full (drawn from torch.manual_seed-seeded randn/rand/randint; the
seed is the CRC-32 of "<fn>/<description>", so adding a case does not change the others), the
options passed, the forward output, and the gradient of the output with respect to every
floating-point operand (and a floating `weight` option), for a recorded upstream gradient. Which
operands torch can differentiate is found per case by trying each one alone; where torch raises, the
grad is recorded as {"error": {...}}. Cases where the forward raises record the error instead. The
format is described in tests/golden/README.md ("nn_losses.json").

The tests read only the JSON; this script is needed only to regenerate it. It is deterministic: two
runs write identical files.

Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_nn_fixtures.py [out.json]

The parts live in scripts/nn_fixtures/: encoding.py (the tensor encoding), cases.py (the case
registry `add` and the operand builders), run.py (running one case in torch), and the case lists
by family: elementwise.py, rowwise.py, embedding.py (with the distances), ctc.py. A new function's
cases go in its family's module and its call in build_cases() below (the order of the calls is
the order of the file).
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import torch  # noqa: E402

from nn_fixtures import ctc, elementwise, embedding, rowwise  # noqa: E402
from nn_fixtures.cases import CASES  # noqa: E402
from nn_fixtures.encoding import write_cases  # noqa: E402
from nn_fixtures.run import run_case  # noqa: E402


def build_cases():
    elementwise.cases_margin_ranking()
    elementwise.cases_hinge()
    elementwise.cases_soft_margin()
    rowwise.cases_multilabel_soft_margin()
    rowwise.cases_multi_margin()
    rowwise.cases_multilabel_margin()
    embedding.cases_cosine_embedding()
    embedding.cases_triplet("triplet_margin_loss")
    embedding.cases_triplet("triplet_margin_with_distance_loss")
    elementwise.cases_poisson()
    elementwise.cases_gaussian()
    ctc.cases_ctc()
    embedding.cases_pairwise_distance()
    embedding.cases_cosine_similarity()


def cpu_capability():
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        pass
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    torch.set_num_threads(1)
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "nn_losses.json")
    build_cases()
    recs = [run_case(c) for c in CASES]
    ids = [r["id"] for r in recs]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    meta = {
        "torch": torch.__version__,
        "generator": "scripts/gen_nn_fixtures.py",
        "capability": cpu_capability(),
        "num_threads": 1,
        "count": len(recs),
        "error_cases": sum(1 for r in recs if "error" in r),
        "encoding": "tensors as in public.json: values row-major, NaN/Inf as strings, hex = IEEE-754 "
                    "bits (authoritative) for float32/float64; int tensors have values only; "
                    "ctc lengths passed as Python lists are {\"list\": [...]}",
    }
    write_cases(path, meta, recs)
    by_fn = {}
    for r in recs:
        by_fn.setdefault(r["fn"], [0, 0])
        by_fn[r["fn"]][0] += 1
        by_fn[r["fn"]][1] += "error" in r
    for k, (n, e) in by_fn.items():
        print("%-36s %3d cases (%d errors)" % (k, n, e))
    print("wrote %d cases to %s (%d bytes)" % (len(recs), path, os.path.getsize(path)))



if __name__ == "__main__":
    main()
