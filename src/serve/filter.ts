import { ConfigError } from '../contracts/errors.ts';

/**
 * A small expression language over item properties, for `filter=` in the service:
 *
 *     genre = "Comedy" and year >= 1990 and not (id in ["1", "2"])
 *
 * - comparisons `field = v`, `field != v`, `field < v`, `<=`, `>`, `>=`, and `field in [v, ...]`
 *   (also `field not in [...]`); a value is a string in double quotes (`\"` and `\\` escape),
 *   a number, `true` or `false`;
 * - `not`, `and`, `or` (in rising order of looseness: `not` binds tightest, `or` loosest) and
 *   parentheses; keywords are case-insensitive, fields are case-sensitive;
 * - `id` is the item's id; other fields are its properties. A field holding an array (such as
 *   `categories`) matches `=` and `in` when any element does. A missing field compares false, so
 *   `not (field = v)` holds for items without it. Ranges compare numbers with numbers and strings
 *   with strings (ISO dates order correctly); a number compared with a numeric string compares
 *   as numbers.
 *
 * A syntax error is a ConfigError naming the 1-based character position:
 * `filter: position 9: expected a value`.
 */
export type ItemPredicate = (item: FilterItem) => boolean;

/** What a filter sees of an item: its id and properties. */
export interface FilterItem {
  id: string;
  properties: Record<string, unknown>;
}

type Scalar = string | number | boolean;
type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; expr: Node }
  | { kind: 'cmp'; field: string; op: Op; value: Scalar }
  | { kind: 'in'; field: string; values: Scalar[] };

interface Token {
  kind: 'ident' | 'string' | 'number' | 'op' | 'punct' | 'end';
  text: string;
  value?: Scalar;
  /** 1-based character position. */
  pos: number;
}

const MAX_LENGTH = 4096;
const MAX_DEPTH = 64;

/** Parses `text` into a predicate over items; a syntax error is a ConfigError with the position. */
export function parseFilter(text: string): ItemPredicate {
  if (text.length > MAX_LENGTH) throw new ConfigError(`filter: longer than ${MAX_LENGTH} characters`);
  const parser = new Parser(tokenize(text));
  const node = parser.parse();
  return (item) => evaluate(node, item);
}

/** Filters parsed lately, by text: a client usually sends the same few filters again and again. */
const parsed = new Map<string, ItemPredicate>();
const PARSED_LIMIT = 1000;

/**
 * `parseFilter` through a bounded cache (the last PARSED_LIMIT texts): the same text gives the
 * same predicate object, which lets the engine keep that filter's per-item results
 * (RecommendEngine's verdict cache) from one request to the next.
 */
export function parseFilterCached(text: string): ItemPredicate {
  const hit = parsed.get(text);
  if (hit) return hit;
  const predicate = parseFilter(text);
  if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, predicate);
  return predicate;
}

function fail(pos: number, message: string): never {
  throw new ConfigError(`filter: position ${pos}: ${message}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const pos = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail(pos, 'unterminated string (a closing " is missing)');
        const d = text[i];
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i + 1];
          if (e !== '"' && e !== '\\') fail(i + 1, 'only \\" and \\\\ escape in a string');
          value += e;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text: text.slice(pos - 1, i), value, pos });
    } else if (/[-+0-9.]/.test(c)) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
      if (!m) fail(pos, `unexpected "${c}"`);
      i += m[0].length;
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), pos });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))!;
      i += m[0].length;
      tokens.push({ kind: 'ident', text: m[0], pos });
    } else if (c === '<' || c === '>' || c === '!' || c === '=') {
      const two = text.slice(i, i + 2);
      const op = two === '<=' || two === '>=' || two === '!=' || two === '==' ? two : c;
      if (op === '!') fail(pos, 'unexpected "!" (use != or not)');
      i += op.length;
      tokens.push({ kind: 'op', text: op === '==' ? '=' : op, pos });
    } else if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      i++;
      tokens.push({ kind: 'punct', text: c, pos });
    } else {
      fail(pos, `unexpected "${c}"`);
    }
  }
  tokens.push({ kind: 'end', text: '', pos: text.length + 1 });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false']);

class Parser {
  private at = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    if (this.peek().kind === 'end') fail(1, 'the filter is empty');
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') fail(t.pos, `expected "and", "or" or the end, got ${describe(t)}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    return this.tokens[this.at++];
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t.kind === 'ident' && t.text.toLowerCase() === word) {
      this.at++;
      return true;
    }
    return false;
  }

  private or(): Node {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Node {
    if (++this.depth > MAX_DEPTH) fail(this.peek().pos, `nested deeper than ${MAX_DEPTH}`);
    try {
      if (this.keyword('not')) return { kind: 'not', expr: this.unary() };
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '(') {
        this.at++;
        const inner = this.or();
        const close = this.next();
        if (close.kind !== 'punct' || close.text !== ')') fail(close.pos, `expected ")", got ${describe(close)}`);
        return inner;
      }
      return this.comparison();
    } finally {
      this.depth--;
    }
  }

  private comparison(): Node {
    const t = this.next();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase())) fail(t.pos, `expected a field name, got ${describe(t)}`);
    const field = t.text;
    if (this.keyword('in')) return { kind: 'in', field, values: this.list() };
    if (this.keyword('not')) {
      if (!this.keyword('in')) fail(this.peek().pos, `expected "in" after "not", got ${describe(this.peek())}`);
      return { kind: 'not', expr: { kind: 'in', field, values: this.list() } };
    }
    const op = this.next();
    if (op.kind !== 'op') fail(op.pos, `expected an operator (=, !=, <, <=, >, >=, in) after "${field}", got ${describe(op)}`);
    return { kind: 'cmp', field, op: op.text as Op, value: this.value() };
  }

  private list(): Scalar[] {
    const open = this.next();
    if (open.kind !== 'punct' || open.text !== '[') fail(open.pos, `expected "[" to start a list, got ${describe(open)}`);
    const values: Scalar[] = [];
    if (this.peek().kind === 'punct' && this.peek().text === ']') {
      this.at++;
      return values;
    }
    for (;;) {
      values.push(this.value());
      const sep = this.next();
      if (sep.kind === 'punct' && sep.text === ']') return values;
      if (sep.kind !== 'punct' || sep.text !== ',') fail(sep.pos, `expected "," or "]", got ${describe(sep)}`);
    }
  }

  private value(): Scalar {
    const t = this.next();
    if (t.kind === 'string' || t.kind === 'number') return t.value!;
    if (t.kind === 'ident' && t.text.toLowerCase() === 'true') return true;
    if (t.kind === 'ident' && t.text.toLowerCase() === 'false') return false;
    return fail(t.pos, t.kind === 'ident' ? `expected a value, got ${describe(t)} (strings go in double quotes)` : 'expected a value');
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end' : `"${t.text}"`;
}

function evaluate(node: Node, item: FilterItem): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, item) && evaluate(node.right, item);
    case 'or':
      return evaluate(node.left, item) || evaluate(node.right, item);
    case 'not':
      return !evaluate(node.expr, item);
    case 'in':
      return anyOf(fieldOf(item, node.field), (v) => node.values.some((w) => equal(v, w)));
    case 'cmp': {
      const v = fieldOf(item, node.field);
      if (node.op === '=') return anyOf(v, (x) => equal(x, node.value));
      if (node.op === '!=') return v !== undefined && !anyOf(v, (x) => equal(x, node.value));
      return anyOf(v, (x) => compare(x, node.value, node.op));
    }
  }
}

function fieldOf(item: FilterItem, field: string): unknown {
  return field === 'id' ? item.id : item.properties[field];
}

function anyOf(v: unknown, test: (x: unknown) => boolean): boolean {
  if (v === undefined || v === null) return false;
  return Array.isArray(v) ? v.some(test) : test(v);
}

function equal(a: unknown, b: Scalar): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'number') return a.trim() !== '' && Number(a) === b;
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a;
  return false;
}

function compare(a: unknown, b: Scalar, op: Op): boolean {
  let x: number | string;
  let y: number | string;
  if (typeof a === 'number' && typeof b === 'number') [x, y] = [a, b];
  else if (typeof a === 'string' && typeof b === 'string') [x, y] = [a, b];
  else if (typeof a === 'string' && typeof b === 'number' && a.trim() !== '' && Number.isFinite(Number(a))) [x, y] = [Number(a), b];
  else if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && Number.isFinite(Number(b))) [x, y] = [a, Number(b)];
  else return false;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default:
      return false;
  }
}
