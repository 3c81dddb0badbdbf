/** A `/kugetsu …` command found in a comment. */
export interface ParsedCommand {
  /** The rest of the command line plus every line after it, trimmed; `""` for a bare `/kugetsu`. */
  message: string;
  /** 1-based line number of the command line within the comment. */
  line: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Finds the first line that starts with the command word (default `/kugetsu`, matched
 * case-insensitively and as a whole word, leading spaces allowed) and returns the rest of that
 * line and all lines after it as the message. Lines inside fenced code blocks (``` or ~~~) and
 * quoted lines (`> /kugetsu`) never count — the habit of Prow's `pkg/plugins` command regexes.
 *
 * @param command the command word including its slash, e.g. `/kugetsu`.
 * @returns the command, or `undefined` when the comment holds none.
 */
export function parseCommand(body: string, command: string): ParsedCommand | undefined {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const word = new RegExp(`^\\s*${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=\\s|$)(.*)$`, 'i');
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = FENCE.exec(line);
    if (f) {
      const marker = f[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    if (/^\s*>/.test(line)) continue;
    const m = word.exec(line);
    if (!m) continue;
    const rest = [m[1]!, ...lines.slice(i + 1)].join('\n').trim();
    return { message: rest, line: i + 1 };
  }
  return undefined;
}
