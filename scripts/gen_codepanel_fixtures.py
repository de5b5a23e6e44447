#!/usr/bin/python3
# tests/golden/codepanel.json: what the playground's PyTorch-code panel prints, run in real torch.
# For every case of scripts/codepanel-cases.mjs (each new loss x reduction on its recipe) this
# runs the Python that web/codegen.mjs writes, with print() captured, and stores the code, the
# recipe settings and each printed string (the loss, then the gradient's first rows). It also
# stores a SHA-256 of every recipe tensor (raw little-endian bytes) as torch computes it, so the
# core's recipes (core/src/recipes.cpp) are checked bit for bit without any loss.
# Run with Debian's torch: /usr/bin/python3 scripts/gen_codepanel_fixtures.py  (needs node).
import hashlib
import json
import os
import subprocess
import sys

import torch
import torch.nn.functional as F  # noqa: F401  (the programs import it themselves)

assert torch.__version__.startswith('1.13'), torch.__version__
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
torch.set_num_threads(1)


def run(code):
    printed = []

    def cap(*args, **kw):
        printed.append(' '.join(str(a) for a in args))

    env = {'print': cap, '__name__': '__codepanel__'}
    exec(compile(code, '<codepanel>', 'exec'), env)
    return printed, env


# Recipe tensors computed by a transcendental kernel (ctc's log_softmax): the core's is within a
# few ulp of torch's, not bit-identical, so their values are stored for an ulp comparison.
APPROX = {('ctc', 'log_probs')}


def digest(t, approx=False):
    t = t.detach().contiguous()
    d = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape),
         'sha256': hashlib.sha256(t.numpy().tobytes()).hexdigest()}
    if approx:
        d['values'] = [float(v) for v in t.flatten().tolist()]
    return d


def main():
    cases = json.loads(subprocess.check_output(['node', os.path.join(ROOT, 'scripts', 'codepanel-cases.mjs')]))
    out_cases = []
    recipes = {}
    train_cases = []
    for c in cases:
        printed, env = run(c['code'])
        s = c['state']
        if c.get('mode') == 'train':  # the gradient-descent loop: every printed line
            train_cases.append({'id': c['id'], 'state': s, 'code': c['code'], 'printed': printed})
            print(f"{c['id']}: {printed[-1].splitlines()[0]} ...", file=sys.stderr)
            continue
        key = f"{s['recipe']}|{s['n']}|{s['c']}|{s['seed']}"
        if key not in recipes:
            recipes[key] = {'recipe': s['recipe'], 'n': s['n'], 'c': s['c'], 'seed': s['seed'],
                            'tensors': {name: digest(env[name], (s['recipe'], name) in APPROX)
                                        for name in recipe_names(s['recipe'])}}
        out_cases.append({'id': c['id'], 'state': s, 'operands': c['operands'], 'code': c['code'],
                          'printed': printed})
        first = printed[0].splitlines()
        print(f"{c['id']}: {first[0]}{' ...' if len(first) > 1 else ''}", file=sys.stderr)
    doc = {'torch': torch.__version__, 'generator': 'scripts/gen_codepanel_fixtures.py',
           'recipes': list(recipes.values()), 'cases': out_cases, 'train': train_cases}
    with open(os.path.join(ROOT, 'tests', 'golden', 'codepanel.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    print(f'{len(out_cases)} cases, {len(recipes)} recipes -> tests/golden/codepanel.json', file=sys.stderr)


def recipe_names(recipe):
    return {
        'ranking': ['x1', 'x2', 'y'],
        'embedding': ['x1', 'x2', 'x3', 'y'],
        'counts': ['log_rate', 'k'],
        'gaussian': ['mu', 'y', 'var'],
        'multilabel': ['z', 'y', 'y_class', 'y_list'],
        'ctc': ['log_probs', 'targets', 'input_lengths', 'target_lengths'],
    }[recipe]


if __name__ == '__main__':
    main()
