// Parses pasted numbers (CSV, semicolons, tabs or spaces; one row per line) into a flat array
// and a shape, the way torch.tensor(nested_list) would see them. Errors name the line and the
// column (1-based, counted in values) so the page can point at the bad token.
//   one value per line  → shape [lines]
//   one line            → shape [values]
//   otherwise           → shape [lines, values]   (every line must have the same count)
// Blank lines and lines starting with '#' are skipped.

const NUMBER = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;
const INTEGER = /^[+-]?\d+$/;

export class ParseError extends Error {
  /** @param {string} code  i18n key  @param {object} params {line, column, token, ...} */
  constructor(code, params, message) {
    super(message);
    this.name = 'ParseError';
    this.code = code;
    this.params = params;
  }
}

/**
 * What a Chinese (or Japanese) input method types, as ASCII: full-width digits, signs, commas,
 * points and spaces (NFKC), the ideographic comma 、 as a separator and the ideographic full
 * stop 。 as a decimal point ("０。５，１" → "0.5,1").
 */
export function halfWidth(text) {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  return text.normalize('NFKC').replace(/\u3001/g, ',').replace(/\u3002/g, '.').replace(/[\u2212\u2013]/g, '-');
}

function toNumber(tok) {
  const t = tok.toLowerCase().replace(/^\+/, '');
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(tok);
}

// A token as a message quotes it: at most 64 characters.
function quoted(tok) {
  return tok.length > 64 ? `${tok.slice(0, 60)}…` : tok;
}

/**
 * @param {string} text
 * @param {{integers?: boolean}} [opts]  integers: every value must be an integer (class indices)
 * @returns {{values: Float64Array, shape: number[], tokens: string[]|null, rows: number, cols: number}}
 */
export function parseNumbers(text, { integers = false, keepTokens = false } = {}) {
  const lines = halfWidth(String(text ?? '')).split(/\r\n|\n|\r/);
  const rows = [];
  const rowLines = [];
  let cols = -1;
  let firstLine = 0;
  const out = [];
  const tokens = keepTokens ? [] : null;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '' || line.startsWith('#')) continue;
    // CSV (commas or semicolons) keeps empty fields so "1,,2" is an error; else whitespace.
    const toks = /[,;]/.test(line) ? line.split(/[,;]/).map((s) => s.trim())
      : line.split(/\s+/);
    if (toks.length > 1 && toks[toks.length - 1] === '') toks.pop();   // a trailing comma
    for (let ci = 0; ci < toks.length; ci++) {
      const tok = toks[ci];
      if (tok === '') {
        throw new ParseError('parseEmptyField', { line: li + 1, column: ci + 1, token: '' },
          `line ${li + 1}, column ${ci + 1}: empty value`);
      }
      if (!NUMBER.test(tok)) {
        const t = quoted(tok);
        throw new ParseError('parseNotNumber', { line: li + 1, column: ci + 1, token: t },
          `line ${li + 1}, column ${ci + 1}: "${t}" is not a number`);
      }
      if (integers && !INTEGER.test(tok)) {
        const t = quoted(tok);
        throw new ParseError('parseNotInteger', { line: li + 1, column: ci + 1, token: t },
          `line ${li + 1}, column ${ci + 1}: "${t}" is not an integer class index`);
      }
      out.push(toNumber(tok));
      if (tokens) tokens.push(tok);
    }
    if (cols === -1) {
      cols = toks.length;
      firstLine = li + 1;
    } else if (toks.length !== cols) {
      const column = Math.min(toks.length, cols) + 1;
      throw new ParseError('parseRagged',
        { line: li + 1, column, count: toks.length, expected: cols, first: firstLine },
        `line ${li + 1}, column ${column}: ${toks.length} values, but line ${firstLine} has ${cols}`);
    }
    rows.push(toks.length);
    rowLines.push(li + 1);
  }
  if (rows.length === 0) {
    throw new ParseError('parseEmpty', { line: 1, column: 1 }, 'line 1, column 1: no numbers');
  }
  let shape;
  if (cols === 1) shape = [rows.length];
  else if (rows.length === 1) shape = [cols];
  else shape = [rows.length, cols];
  return { values: Float64Array.from(out), shape, tokens, rows: rows.length, cols };
}

/** A Python literal for a float32 tensor built from tokens (exact: same double → same float). */
export function pythonLiteral(values, shape, { integer = false } = {}) {
  const fmt = (v) => {
    if (Number.isNaN(v)) return "float('nan')";
    if (v === Infinity) return "float('inf')";
    if (v === -Infinity) return "float('-inf')";
    if (integer) return String(Math.trunc(v));
    const s = String(v);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  };
  if (shape.length === 1) return `[${Array.from(values, fmt).join(', ')}]`;
  const [r, c] = shape;
  const lines = [];
  for (let i = 0; i < r; i++) {
    lines.push(`[${Array.from(values.subarray(i * c, i * c + c), fmt).join(', ')}]`);
  }
  return `[${lines.join(',\n     ')}]`;
}
