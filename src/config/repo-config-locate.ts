import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/** A 1-based line and column in a file. */
export interface LinePos {
  line: number;
  col: number;
}

type Ranged = { range?: [number, number, number] | null };

/**
 * Where the key or value at `path` starts in a parsed YAML document (1-based). `atKey` points at the
 * key rather than its value (for unknown keys). A path that is not in the document (a missing key)
 * gives the position of the deepest part that is.
 */
export function locate(doc: Document, lines: LineCounter, path: ReadonlyArray<string | number>, atKey = false): LinePos {
  let node: unknown = doc.contents;
  let at = (node as Ranged | null)?.range?.[0] ?? 0;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyStart = (pair.key as Ranged).range?.[0] ?? at;
      const value = pair.value as Ranged | null;
      const valueStart = value?.range?.[0];
      const empty = valueStart === undefined || (isScalar(value) && value.value === null);
      if (empty || (last && atKey)) {
        at = keyStart;
        break;
      }
      at = valueStart;
      node = value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      at = (node as Ranged).range?.[0] ?? at;
    } else {
      break;
    }
  }
  const { line, col } = lines.linePos(at);
  return { line, col };
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * The known key `key` was most likely meant to be (`trigger_label` → `trigger_labels`,
 * `triggerLabels` → `trigger_labels`), or `undefined` when none is close.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(norm(key), norm(k));
    if (d <= Math.max(2, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}
