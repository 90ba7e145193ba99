// A small, tolerant parser for RON (Rusty Object Notation), enough for yano's graph presets:
// structs `(a: 1)` and named structs `Name(a: 1)` become objects, tuples `(1, 2)` arrays,
// lists arrays, maps `{"k": v}` objects; strings (with escapes and raw r#"…"#), numbers,
// booleans, unit `()`, enum variants (`None`, `Some(x)`); line and block comments.

export type RonValue = null | boolean | number | string | RonValue[] | { [key: string]: RonValue };

export class RonError extends Error {
  constructor(
    message: string,
    public line: number,
    public column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
  }
}

export function parseRon(text: string): RonValue {
  let i = 0;
  const n = text.length;

  const fail = (message: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    throw new RonError(message, line, column);
  };

  const skip = () => {
    for (;;) {
      while (i < n && /\s/.test(text[i])) i++;
      if (text.startsWith('//', i)) {
        while (i < n && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        let depth = 1;
        i += 2;
        while (i < n && depth > 0) {
          if (text.startsWith('/*', i)) {
            depth++;
            i += 2;
          } else if (text.startsWith('*/', i)) {
            depth--;
            i += 2;
          } else i++;
        }
      } else if (text.startsWith('#![', i)) {
        // extensions attribute: #![enable(...)]
        while (i < n && text[i] !== ']') i++;
        i++;
      } else return;
    }
  };

  const ident = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200));
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };

  const string = (): string => {
    if (text[i] === 'r') {
      i++;
      let hashes = 0;
      while (text[i] === '#') {
        hashes++;
        i++;
      }
      if (text[i] !== '"') fail('expected a raw string');
      i++;
      const end = '"' + '#'.repeat(hashes);
      const close = text.indexOf(end, i);
      if (close < 0) fail('unterminated raw string');
      const s = text.slice(i, close);
      i = close + end.length;
      return s;
    }
    i++; // opening quote
    let out = '';
    while (i < n && text[i] !== '"') {
      const c = text[i];
      if (c === '\\') {
        const e = text[i + 1];
        i += 2;
        if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else if (e === 'r') out += '\r';
        else if (e === '0') out += '\0';
        else if (e === 'u') {
          const m = /^\{([0-9a-fA-F]+)\}/.exec(text.slice(i, i + 10));
          if (m) {
            out += String.fromCodePoint(parseInt(m[1], 16));
            i += m[0].length;
          } else {
            out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
            i += 4;
          }
        } else if (e === 'x') {
          out += String.fromCharCode(parseInt(text.slice(i, i + 2), 16));
          i += 2;
        } else if (e === '\n') {
          while (i < n && /\s/.test(text[i])) i++;
        } else out += e ?? '';
      } else {
        out += c;
        i++;
      }
    }
    if (i >= n) fail('unterminated string');
    i++;
    return out;
  };

  const number = (): number => {
    const m = /^[+-]?(0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|(\d[\d_]*)?\.?[\d_]*([eE][+-]?\d+)?|inf|NaN)/.exec(text.slice(i, i + 100));
    if (!m || !m[0] || m[0] === '+' || m[0] === '-') fail('expected a number');
    i += m![0].length;
    const raw = m![0].replace(/_/g, '');
    // type suffixes (1u8, 2.0f32)
    const suffix = /^(u|i|f)(8|16|32|64|128|size)/.exec(text.slice(i, i + 8));
    if (suffix) i += suffix[0].length;
    const sign = raw.startsWith('-') ? -1 : 1;
    const body = raw.replace(/^[+-]/, '');
    if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
    if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
    if (body.startsWith('0o')) return sign * parseInt(body.slice(2), 8);
    if (body === 'inf') return sign * Infinity;
    if (body === 'NaN') return NaN;
    return Number(raw);
  };

  // after "(": a struct when the first thing is `name:`, else a tuple
  const parens = (name: string | null): RonValue => {
    i++; // (
    skip();
    if (text[i] === ')') {
      i++;
      return name ? { $variant: name } : null;
    }
    const save = i;
    const m = /^[A-Za-z_][A-Za-z0-9_]*\s*:(?!:)/.exec(text.slice(i, i + 200));
    i = save;
    if (m) {
      const obj: { [key: string]: RonValue } = {};
      if (name) obj.$name = name;
      for (;;) {
        skip();
        if (text[i] === ')') break;
        const key = ident();
        skip();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        obj[key] = value();
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail('expected "," or ")"');
      }
      i++;
      return obj;
    }
    const items: RonValue[] = [];
    for (;;) {
      skip();
      if (text[i] === ')') break;
      items.push(value());
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') fail('expected "," or ")"');
    }
    i++;
    if (name) {
      if (name === 'Some' && items.length === 1) return items[0];
      return { $variant: name, $values: items };
    }
    return items;
  };

  const value = (): RonValue => {
    skip();
    const c = text[i];
    if (c === undefined) fail('unexpected end');
    if (c === '"' || (c === 'r' && (text[i + 1] === '"' || text[i + 1] === '#'))) return string();
    if (c === "'") {
      i++;
      let ch = text[i];
      if (ch === '\\') {
        ch = text[i + 1];
        i++;
      }
      i += 2;
      return ch;
    }
    if (c === '(') return parens(null);
    if (c === '[') {
      i++;
      const items: RonValue[] = [];
      for (;;) {
        skip();
        if (text[i] === ']') break;
        items.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('expected "," or "]"');
      }
      i++;
      return items;
    }
    if (c === '{') {
      i++;
      const obj: { [key: string]: RonValue } = {};
      for (;;) {
        skip();
        if (text[i] === '}') break;
        const k = value();
        skip();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        obj[typeof k === 'string' ? k : JSON.stringify(k)] = value();
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('expected "," or "}"');
      }
      i++;
      return obj;
    }
    if (/[0-9+\-.]/.test(c) || text.startsWith('inf', i) || text.startsWith('NaN', i)) return number();
    if (/[A-Za-z_]/.test(c)) {
      const name = ident();
      if (name === 'true') return true;
      if (name === 'false') return false;
      if (name === 'None') return null;
      skip();
      if (text[i] === '(') return parens(name);
      return name; // a unit enum variant
    }
    return fail(`unexpected "${c}"`);
  };

  const result = value();
  skip();
  if (i < n) fail('trailing characters');
  return result;
}

// --- yano graph presets -------------------------------------------------------------------

export interface GraphNode {
  id: string;
  kind: string;
  params: Record<string, RonValue>;
  x?: number;
  y?: number;
}

export interface GraphEdge {
  from: string; // node id
  fromPort: string;
  to: string;
  toPort: string;
}

export interface Graph {
  bpm?: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

function splitPort(end: string): [string, string] {
  const dot = end.indexOf('.');
  return dot < 0 ? [end, ''] : [end.slice(0, dot), end.slice(dot + 1)];
}

/** A graph preset's nodes and connections. */
export function graphFromRon(text: string): Graph {
  const root = parseRon(text);
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new Error('a graph is a struct');
  const nodesRaw = Array.isArray(root.nodes) ? root.nodes : [];
  const nodes: GraphNode[] = [];
  for (const raw of nodesRaw) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) continue;
    const params = raw.params && typeof raw.params === 'object' && !Array.isArray(raw.params) ? raw.params : {};
    const ui = raw.ui && typeof raw.ui === 'object' && !Array.isArray(raw.ui) ? raw.ui : {};
    nodes.push({
      id: String(raw.id ?? ''),
      kind: String(raw.kind ?? '?'),
      params: params as Record<string, RonValue>,
      x: typeof ui.x === 'number' ? ui.x : undefined,
      y: typeof ui.y === 'number' ? ui.y : undefined,
    });
  }
  const edgesRaw = Array.isArray(root.edges) ? root.edges : Array.isArray(root.connections) ? root.connections : [];
  const edges: GraphEdge[] = [];
  for (const e of edgesRaw) {
    let a: RonValue | undefined;
    let b: RonValue | undefined;
    if (Array.isArray(e)) [a, b] = e;
    else if (e && typeof e === 'object') {
      a = e.from;
      b = e.to;
    }
    if (typeof a !== 'string' || typeof b !== 'string') continue;
    const [from, fromPort] = splitPort(a);
    const [to, toPort] = splitPort(b);
    edges.push({ from, fromPort, to, toPort });
  }
  const transport = root.transport && typeof root.transport === 'object' && !Array.isArray(root.transport) ? root.transport : {};
  return { bpm: typeof transport.bpm === 'number' ? transport.bpm : undefined, nodes, edges };
}

/**
 * Layers for a left-to-right drawing: a node's layer is the longest path to it from a node
 * with no inputs (cycles are broken by ignoring edges back to a node being visited).
 */
export function layers(graph: Graph): string[][] {
  const incoming = new Map<string, string[]>();
  for (const n of graph.nodes) incoming.set(n.id, []);
  for (const e of graph.edges) if (incoming.has(e.to) && incoming.has(e.from) && e.from !== e.to) incoming.get(e.to)!.push(e.from);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const from of incoming.get(id) ?? []) d = Math.max(d, visit(from) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const out: string[][] = [];
  for (const n of graph.nodes) {
    const d = visit(n.id);
    (out[d] ??= []).push(n.id);
  }
  return out.map((l) => l ?? []);
}

export function formatParam(v: RonValue): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (typeof v === 'string') return v.length > 28 ? v.slice(0, 27) + '…' : v;
  const s = JSON.stringify(v);
  return s.length > 28 ? s.slice(0, 27) + '…' : s;
}
