#!/usr/bin/python3
"""Writes tests/golden/format.json: tensors and how torch 1.13.1 prints them (repr).

Run with Debian's python3-torch (`/usr/bin/python3 scripts/gen_format_fixtures.py`). The test
suite reads the JSON only; it never needs torch."""
import json, os, struct
import torch

torch.manual_seed(0)
cases = []
def add(name, t):
    flat = t.reshape(-1)
    if t.dtype in (torch.float32, torch.float64):
        fmt = '<f' if t.dtype == torch.float32 else '<d'
        ifmt = '<I' if t.dtype == torch.float32 else '<Q'
        hexes = [hex(struct.unpack(ifmt, struct.pack(fmt, float(v)))[0]) for v in flat.tolist()]
        vals = None
    else:
        hexes = None
        vals = [str(int(v)) for v in flat.tolist()]
    cases.append({"name": name, "dtype": str(t.dtype).replace('torch.', ''), "shape": list(t.shape),
                  "hex": hexes, "values": vals, "repr": repr(t)})

add("scalar", torch.tensor(2.48691606))
add("scalar-sum", torch.tensor(124.34579))
add("scalar-int-valued", torch.tensor(4.0))
add("scalar-zero", torch.tensor(0.0))
add("scalar-neg-zero", torch.tensor(-0.0))
add("scalar-nan", torch.tensor(float('nan')))
add("scalar-inf", torch.tensor(float('inf')))
add("scalar-small", torch.tensor(1.5e-5))
add("scalar-big", torch.tensor(3.5e9))
add("scalar-f64", torch.tensor(2.5, dtype=torch.float64))
add("scalar-long", torch.tensor(7))
add("scalar-int32", torch.tensor(7, dtype=torch.int32))
add("tie-half-even", torch.tensor([0.03125, 0.09375, 0.15625, 1.00005]))
add("vec3", torch.tensor([0.25, 0.0, 4.0]))
add("vec-int-mode", torch.tensor([1.0, -2.0, 30.0]))
add("vec-int-sci", torch.tensor([1.0, 20000.0]))
add("vec-sci", torch.tensor([1e-5, 1.0, 3.0]))
add("vec-nonfinite", torch.tensor([float('nan'), float('inf'), -float('inf'), 1.5]))
add("vec-all-nonfinite", torch.tensor([float('nan'), float('inf')]))
add("vec-zeros", torch.zeros(4))
add("vec-long", torch.tensor([1, -20, 300]))
add("vec-wrap", torch.randn(30))
add("vec-wrap-f64", torch.randn(30, dtype=torch.float64))
add("vec-summary", torch.randn(2000))
add("vec-summary-long", torch.randint(0, 100000, (5000,)))
add("mat", torch.randn(3, 4))
add("col", torch.randn(12, 1))
add("mat-summary", torch.randn(1000, 3))
add("mat-summary-wide", torch.randn(40, 40))
add("cube", torch.randn(2, 3, 4))
add("cube-summary", torch.randn(20, 10, 10))
add("empty", torch.zeros(0))
add("empty-2d", torch.zeros(0, 4))
add("empty-long", torch.zeros(0, dtype=torch.long))
add("empty-f64-2d", torch.zeros(2, 0, dtype=torch.float64))
add("bce-none", torch.nn.functional.binary_cross_entropy(torch.rand(3000, 1), torch.randint(0, 2, (3000, 1)).float(), reduction='none'))
add("mixed-magnitude", torch.tensor([123.456, 0.001, 9.5]))
add("big-int-valued", torch.tensor([1e8, 2.0]))
add("neg", torch.tensor([-1.23456, 2.5]))
add("f64-mat", torch.randn(2, 2, dtype=torch.float64))
add("int32-vec", torch.tensor([1, 2, 3], dtype=torch.int32))
add("long-wide", torch.arange(40))
# Deep tensors (the printer must not recurse per dimension): torch's own repr recurses, so these
# stay within Python's recursion limit.
add("deep-ones-200", torch.full([1] * 200, 2.0))
add("deep-mixed", torch.randn([2] + [1] * 150 + [3]))
add("deep-summarized", torch.randn([1001] + [1] * 60))

out = os.path.join(os.path.dirname(__file__), '..', 'tests', 'golden', 'format.json')
with open(out, 'w') as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases to {os.path.relpath(out)}")
