/**
 * A strict reader of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): `# HELP` and
 * `# TYPE` lines, then samples `name{label="value",…} value`. Throws on any line that is not valid,
 * on a sample whose family has no `# TYPE`, and on a repeated series — so a test that reads
 * `/metrics` through it also checks that the text is well-formed.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  /** Metric family → type (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>;
  help: Map<string, string>;
  samples: PromSample[];
  /** The value of the series `name` with exactly `labels`, or 0 when it is absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** The sum over every series of `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePromText(text: string): PromText {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: PromSample[] = [];
  const seen = new Set<string>();
  if (!text.endsWith('\n')) throw new Error('exposition text must end with a newline');
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line.slice(0, 120))}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type, ${where}`);
        if (types.has(name)) throw new Error(`second TYPE for ${name}, ${where}`);
        types.set(name, rest);
      } else help.set(name, rest);
      return;
    }
    const { name, labels, rest } = readSeries(line, where);
    const value = readValue(rest.trim().split(/\s+/)[0] ?? '', where);
    const family = familyOf(name, types);
    if (!family) throw new Error(`sample without a # TYPE for its family, ${where}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`repeated series, ${where}`);
    seen.add(key);
    samples.push({ name, labels, value });
  });
  const matches = (s: PromSample, name: string, labels: Record<string, string>) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    types,
    help,
    samples,
    value(name, labels = {}) {
      const n = Object.keys(labels).length;
      return samples.find((s) => matches(s, name, labels) && Object.keys(s.labels).length === n)?.value ?? 0;
    },
    sum(name, labels = {}) {
      return samples.filter((s) => matches(s, name, labels)).reduce((acc, s) => acc + s.value, 0);
    },
  };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const t = types.get(base);
      if (t === 'histogram' || t === 'summary') return base;
    }
  }
  return undefined;
}

function readSeries(line: string, where: string): { name: string; labels: Record<string, string>; rest: string } {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace === -1 || (space !== -1 && space < brace)) {
    const name = line.slice(0, space);
    if (!NAME.test(name)) throw new Error(`bad sample name, ${where}`);
    return { name, labels: {}, rest: line.slice(space) };
  }
  const name = line.slice(0, brace);
  if (!NAME.test(name)) throw new Error(`bad sample name, ${where}`);
  const labels: Record<string, string> = {};
  let i = brace + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq === -1 || line[eq + 1] !== '"') throw new Error(`bad label, ${where}`);
    const label = line.slice(i, eq);
    if (!LABEL.test(label)) throw new Error(`bad label name ${label}, ${where}`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`unterminated label value, ${where}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape, ${where}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    if (label in labels) throw new Error(`repeated label ${label}, ${where}`);
    labels[label] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected , or }, ${where}`);
  }
  return { name, labels, rest: line.slice(i + 1) };
}

function readValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new Error(`bad sample value, ${where}`);
  return v;
}
