#!/usr/bin/env python3
"""Generates tests/golden/python.json: what torch 1.13.1 prints, or raises, for small Python
programs beyond the lesson's blocks (those are tests/golden/lesson.json): operators and reflected
numbers, dtypes, indexing, iteration and builtin sum, reductions, autograd, nn and optim, and
torch's errors (exception class, message, and the line of the program that raised).

Each program runs in a fresh namespace as a file named <lesson>. The tests read only the JSON;
tests/node/python.test.mjs runs every program through losslab/python and compares.
Needs torch 1.13 (Debian python3-torch). Usage: /usr/bin/python3 scripts/gen_python_fixtures.py
"""
import contextlib
import io
import json
import os
import sys
import traceback

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
torch.set_num_threads(1)

PROGRAMS = {
    "reflected-numbers": """
import torch
y = torch.tensor([[1., 0.], [0., 1.]])
print(1 - y)
print((-1 / 2) * y)
print(2 ** y)
print(y / 4, 1 / (y + 1))
print(-y)
""",
    "dtypes-and-numbers": """
import torch
a = torch.tensor([1, 2])
print(a * 2.0, a * 2, a / 2, a + 0.5)
print(a.dtype, (a * 2.0).dtype, a.float().dtype, a.double().dtype, a.long().dtype)
b = torch.tensor([True, False])
print(b, b.dtype, b.long())
print(torch.rand(2, dtype=torch.float64).dtype, torch.float32, torch.long)
""",
    "indexing-and-iteration": """
import torch
x = torch.arange(12).reshape(3, 4)
print(x[0], x[:, 1], x[1:, ::2], x[-1, -1])
print(x[:2])
print(x.shape, x.size(), x.size(1), len(x), x.numel(), x.dim())
print([r.sum().item() for r in x])
print(sum(x))
print(sum(torch.tensor([1., 2., 3.])))
for row in torch.eye(2):
    print(row)
""",
    "reductions": """
import torch
torch.manual_seed(420)
x = torch.rand(3, 4)
print(x.sum(), x.mean(), x.sum(dim=1), x.mean(0, keepdim=True))
print(x.max(), x.min(dim=1))
print(x.argmax(dim=1), torch.argmax(x))
print(torch.sum(x, 0), x.max(dim=0).values, x.max(dim=0).indices)
""",
    "autograd": """
import torch
torch.manual_seed(420)
w = torch.rand(3, requires_grad=True)
print(w)
loss = (w * w).sum()
print(loss, loss.requires_grad, loss.is_leaf, w.is_leaf)
loss.backward()
print(w.grad)
(w * 3).mean().backward()
print(w.grad)
w.grad.zero_()
print(w.grad)
with torch.no_grad():
    v = w * 2
print(v.requires_grad, v.grad_fn)
print(w.detach().requires_grad)
print(torch.log(torch.sigmoid(w)).sum())
""",
    "nn-and-optim": """
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(420)
X = torch.rand(8, 4)
y = torch.randint(0, 3, (8,))
model = nn.Linear(4, 3)
print(model)
print(model.weight)
opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
criterion = nn.CrossEntropyLoss()
for step in range(5):
    opt.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    opt.step()
print(loss)
print(model.bias)
print(F.log_softmax(model(X), dim=1)[0])
print(F.mse_loss(X, X * 2, reduction='sum'), F.l1_loss(X, X + 1))
print(nn.MSELoss(reduction='sum'), nn.LogSoftmax(dim=1), nn.Sigmoid())
""",
    "where-sort-mask": """
import torch
torch.manual_seed(420)
y = torch.randint(0, 2, (4, 5), dtype=torch.float32)
C = 5
y_list = torch.where(y.bool(), torch.arange(C), C).sort(dim=1).values
y_list[y_list == C] = -1
print(y_list)
x = torch.tensor([3., float('nan'), 1., 3., -0., 0., float('-inf')])
print(torch.sort(x))
print(x.sort(descending=True).indices, torch.argsort(x))
print(torch.where(x > 1, x, 0.5), torch.where(torch.tensor([True, False]), 1, 0))
z = torch.zeros(3)
z[torch.tensor([True, False, True])] = 2.5
print(z, z.masked_fill(z > 1, -1))
""",
    "error-where": """
import torch
print(torch.where(torch.ones(3), 1, 0))
""",
    "error-shape": """
import torch
x = torch.ones(2, 3)
y = torch.ones(4, 5)
z = torch.mm(x, y)
""",
    "error-index": """
import torch
x = torch.ones(3)
print(x[1])
print(x[5])
""",
    "error-reduction": """
import torch
import torch.nn as nn
criterion = nn.MSELoss(reduction='avg')
print(criterion(torch.ones(2), torch.ones(2)))
""",
    "error-broadcast": """
import torch
a = torch.ones(3)
b = torch.ones(4)
print(a + b)
""",
    "error-backward": """
import torch
x = torch.ones(3)
x.sum().backward()
""",
    "error-nll-target": """
import torch
import torch.nn as nn
logp = torch.log_softmax(torch.rand(4, 3), dim=1)
print(nn.NLLLoss()(logp, torch.tensor([0, 1, 2, 3])))
""",
    "caught-errors": """
import torch
try:
    torch.ones(3)[5]
except IndexError as e:
    print('IndexError:', e)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print('RuntimeError:', e)
print(torch.ones(2) * 3)
""",
}


def run(code):
    buf = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code.lstrip("\n"), "<lesson>", "exec"), {})  # noqa: S102 - our own programs
    except Exception as e:  # noqa: BLE001 - recorded as the fixture's expectation
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "<lesson>"]
        msg = str(e)
        if isinstance(e, KeyError):
            msg = e.args[0]
        error = {"type": type(e).__name__, "message": msg, "line": frames[-1].lineno if frames else None}
    return buf.getvalue(), error


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "golden", "python.json")
    cases = []
    for pid, code in PROGRAMS.items():
        stdout, error = run(code)
        cases.append({"id": pid, "python": code.lstrip("\n"), "stdout": stdout, "error": error})
    doc = {"generator": "scripts/gen_python_fixtures.py", "torch": torch.__version__, "programs": cases}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%s: %d programs" % (out_path, len(cases)))


if __name__ == "__main__":
    main()
