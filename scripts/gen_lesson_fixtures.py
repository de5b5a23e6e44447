#!/usr/bin/env python3
"""Generates tests/golden/lesson.json: what the lesson's Python prints under torch 1.13.1.

The lesson's code is read where the lesson page shows it (web/lesson/index.html's <pre class="code"
data-block="..."> blocks: mse, bce, bce-modules, timing, ce) and, for blocks only the JS side holds
(bce-grad), from web/lesson/blocks.mjs (read through node). The blocks run in one Python session,
as the lesson does, each with its print() output captured. The timing block prints wall times
(recorded as such, not compared) and takes Python's builtin sum() over 3e6 rows; its values L1 and
L2 are recorded from a second session where the bce block runs with N = 3e4 (the only change),
which is what the tests run on the JS side too.

The tests read only the JSON. Deterministic but for the two times.
Needs torch 1.13 (Debian python3-torch) and node.
Usage: /usr/bin/python3 scripts/gen_lesson_fixtures.py [out.json]
"""
import contextlib
import html
import io
import json
import os
import re
import subprocess
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAGE_IDS = ["mse", "bce", "bce-modules", "timing", "ce"]

torch.set_num_threads(1)


def page_blocks():
    with open(os.path.join(ROOT, "web", "lesson", "index.html"), encoding="utf-8") as f:
        page = f.read()
    found = re.findall(r'<pre class="code" data-block="([^"]+)"[^>]*><code>(.*?)</code></pre>', page, re.S)
    blocks = {bid: html.unescape(code) for bid, code in found}
    if sorted(blocks) != sorted(PAGE_IDS):
        raise SystemExit("expected the lesson page's blocks %s, found %s" % (PAGE_IDS, sorted(blocks)))
    return blocks


def js_side_blocks():
    js = ("import('./web/lesson/blocks.mjs').then((m) => console.log(JSON.stringify("
          "m.BLOCKS.filter((b) => b.python).map((b) => [b.id, b.python]))))")
    r = subprocess.run(["node", "--input-type=module", "-e", js], cwd=ROOT, capture_output=True,
                       text=True, check=True)
    return dict(json.loads(r.stdout))


def run(code, ns):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "<lesson>", "exec"), ns)  # noqa: S102 - the lesson's own code
    return buf.getvalue()


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "golden", "lesson.json")
    blocks = page_blocks()
    blocks.update(js_side_blocks())
    order = ["mse", "bce", "bce-modules", "timing", "bce-grad", "ce"]
    ns = {}
    cases = []
    for bid in order:
        printed = run(blocks[bid], ns)
        lines = printed.rstrip("\n").split("\n") if printed else []
        c = {"id": bid, "python": blocks[bid], "printed": lines}
        if bid == "timing":
            c["printed_are_times"] = True
        cases.append(c)
    # the timing block's values at N = 3e4: the bce block with that N, then the timing block
    small = {}
    bce_small = blocks["bce"].replace("N = 3 * pow(10, 6)", "N = 3 * pow(10, 4)")
    if bce_small == blocks["bce"]:
        raise SystemExit("the bce block no longer sets N = 3 * pow(10, 6)")
    run(bce_small, small)
    run(blocks["timing"], small)
    timing_small = {"n": 30000, "L1": str(small["L1"]), "L2": str(small["L2"])}
    doc = {"generator": "scripts/gen_lesson_fixtures.py", "torch": torch.__version__,
           "blocks": cases, "timing_n30000": timing_small}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("%s: %d blocks; timing at N = 3e6 printed %s; at 3e4 L1 %s, L2 %s" % (
        out_path, len(cases), cases[3]["printed"], timing_small["L1"], timing_small["L2"]))


if __name__ == "__main__":
    main()
