/** The subcommands of `/kugetsu`; anything else after the command word is a message for the agent. */
export const SUBCOMMANDS = ['help', 'status', 'stop', 'retry', 'reset'] as const;
/** One of {@link SUBCOMMANDS}. */
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** What a command's text asks for. */
export type CommandKind =
  | { kind: 'message'; message: string }
  | { kind: 'subcommand'; name: Subcommand }
  /** A single word close to a subcommand (`stauts`): answered with "did you mean". */
  | { kind: 'near-miss'; word: string; suggestion: Subcommand };

/** Edit distance with adjacent transpositions counted as one edit (so `stauts` is 1 from `status`). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Reads what follows `/kugetsu`: a subcommand only when the whole text is that one word
 * (case-insensitive, trailing punctuation allowed) — so `/kugetsu stop the build from failing` is a
 * message; a single word within two edits of a subcommand (and not a real word of the message
 * kind, i.e. nothing else follows) is a near miss; everything else is a message. Pure.
 */
export function classifyCommand(message: string): CommandKind {
  const text = message.trim();
  const single = /^([A-Za-z]+)[.!?]?$/.exec(text);
  if (!single) return { kind: 'message', message };
  const word = single[1]!.toLowerCase();
  const exact = SUBCOMMANDS.find((s) => s === word);
  if (exact) return { kind: 'subcommand', name: exact };
  if (word.length >= 3) {
    let best: { name: Subcommand; d: number } | undefined;
    for (const name of SUBCOMMANDS) {
      const d = distance(word, name);
      if (d <= 2 && d < word.length - 1 && (!best || d < best.d)) best = { name, d };
    }
    if (best) return { kind: 'near-miss', word: single[1]!, suggestion: best.name };
  }
  return { kind: 'message', message };
}
