// A small TeX subset to MathML, which Chromium renders without a library (MathML Core): the loss
// formulas of web/formulas.mjs. parse() gives a tree of {tag, text?, attrs?, children?}; toDom()
// builds MathML elements (no innerHTML: fine under the page's CSP); toString() is for tests.
//
// Supported: letters (mi), numbers (mn), + - = ( ) [ ] , / < > | ! (mo), x_i, x^2, x_{n,c},
// \frac{a}{b}, \text{...}, \mathcal{B}, \sum / \prod with limits (munder), \log \exp \max \min
// \cos (upright function names), greek letters and a few symbols (\ell \ne \notin \in \le \cdot).

const MATHML_NS = 'http://www.w3.org/1998/Math/MathML';

const SYMBOLS = {
  alpha: 'α', beta: 'β', delta: 'δ', epsilon: 'ε', sigma: 'σ', pi: 'π', ell: 'ℓ', lambda: 'λ',
};
const OPERATORS = {
  ne: '≠', notin: '∉', in: '∈', le: '≤', ge: '≥', lt: '<', gt: '>', cdot: '·', times: '×',
  lvert: '|', rvert: '|', quad: '\u2003', sum: '∑', prod: '∏', to: '→',
};
const FUNCTIONS = new Set(['log', 'exp', 'max', 'min', 'cos', 'tanh', 'mean', 'sum']);

export class TexError extends Error {}

/** The tree of one formula. */
export function parse(tex) {
  let i = 0;
  const s = String(tex);
  const peek = () => s[i];
  const skip = () => { while (i < s.length && /\s/.test(s[i])) i++; };

  function group() {
    skip();
    if (peek() !== '{') return atom();
    i++;
    const kids = sequence('}');
    if (peek() !== '}') throw new TexError(`unclosed { in ${s}`);
    i++;
    return kids.length === 1 ? kids[0] : { tag: 'mrow', children: kids };
  }

  function rawGroup() {
    skip();
    if (peek() !== '{') throw new TexError(`expected { at ${i} in ${s}`);
    const j = s.indexOf('}', i);
    if (j < 0) throw new TexError(`unclosed { in ${s}`);
    const text = s.slice(i + 1, j);
    i = j + 1;
    return text;
  }

  function atom() {
    skip();
    const c = peek();
    if (c === undefined) throw new TexError(`unexpected end of ${s}`);
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(s.slice(i));
      i += m[0].length;
      const name = m[1];
      if (name === 'frac') {
        const a = group();
        const b = group();
        return { tag: 'mfrac', children: [a, b] };
      }
      if (name === 'text') return { tag: 'mtext', text: rawGroup() };
      if (name === 'mathcal') return { tag: 'mi', text: rawGroup(), attrs: { mathvariant: 'script' } };
      if (name in SYMBOLS) return { tag: 'mi', text: SYMBOLS[name] };
      if (name === 'sum' || name === 'prod') return { tag: 'mo', text: OPERATORS[name], big: true };
      if (name in OPERATORS) return { tag: 'mo', text: OPERATORS[name] };
      if (FUNCTIONS.has(name)) return { tag: 'mi', text: name, fn: true };
      if (name === ',' || name === ' ') return { tag: 'mspace', attrs: { width: '0.2em' } };
      if (name === '{' || name === '}') return { tag: 'mo', text: name };
      throw new TexError(`unknown command \\${name} in ${s}`);
    }
    if (/[0-9.]/.test(c)) {
      const m = /^\d*\.?\d+|^\d+/.exec(s.slice(i));
      i += m[0].length;
      return { tag: 'mn', text: m[0] };
    }
    if (/[a-zA-Z]/.test(c)) {
      i++;
      return { tag: 'mi', text: c };
    }
    if ('+-=()[],/<>|!:;'.includes(c)) {
      i++;
      return { tag: 'mo', text: c === '-' ? '−' : c };
    }
    throw new TexError(`unexpected '${c}' in ${s}`);
  }

  // a base with its scripts: x_i, x^2, x_i^2, \sum_{c}
  function scripted() {
    let base = atom();
    if (base.tag === 'mo' && base.text === '{') throw new TexError(`stray { in ${s}`);
    let sub = null;
    let sup = null;
    for (;;) {
      skip();
      if (peek() === '_' && !sub) { i++; sub = group(); continue; }
      if (peek() === '^' && !sup) { i++; sup = group(); continue; }
      break;
    }
    if (base.big) {
      const op = { tag: 'mo', text: base.text, attrs: { largeop: 'true', movablelimits: 'false' } };
      if (sub && sup) return { tag: 'munderover', children: [op, sub, sup] };
      if (sub) return { tag: 'munder', children: [op, sub] };
      return op;
    }
    if (sub && sup) base = { tag: 'msubsup', children: [base, sub, sup] };
    else if (sub) base = { tag: 'msub', children: [base, sub] };
    else if (sup) base = { tag: 'msup', children: [base, sup] };
    return base;
  }

  function sequence(end) {
    const out = [];
    for (;;) {
      skip();
      if (i >= s.length || peek() === end) return out;
      if (peek() === '{') {
        out.push(group());
        continue;
      }
      const node = scripted();
      out.push(node);
      // function names are followed by an invisible function application
      const fnBase = node.fn || (node.children?.[0]?.fn && (node.tag === 'msub' || node.tag === 'msup'));
      if (fnBase) out.push({ tag: 'mo', text: '\u2061' });
    }
  }

  const kids = sequence(undefined);
  if (i < s.length) throw new TexError(`unexpected '${s[i]}' in ${s}`);
  return { tag: 'math', attrs: { display: 'block' }, children: [{ tag: 'mrow', children: kids }] };
}

const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The tree as MathML markup (for tests and static pages). */
export function toString(node) {
  const attrs = Object.entries(node.attrs ?? {}).map(([k, v]) => ` ${k}="${v}"`).join('');
  const inner = node.text !== undefined ? esc(node.text) : (node.children ?? []).map(toString).join('');
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}

/** The tree as MathML elements of `doc`. */
export function toDom(node, doc = document) {
  const e = doc.createElementNS(MATHML_NS, node.tag);
  for (const [k, v] of Object.entries(node.attrs ?? {})) e.setAttribute(k, v);
  if (node.text !== undefined) e.textContent = node.text;
  else for (const c of node.children ?? []) e.append(toDom(c, doc));
  return e;
}
