/** Where a command writes: `out` for results (stdout), `err` for problems and hints (stderr). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Writes to the process's stdout and stderr, one line per call. */
export const processOutput: Output = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

/** An {@link Output} that keeps what was written (tests, scripts embedding the commands). */
export function memoryOutput(): Output & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (text) => void stdout.push(text),
    err: (text) => void stderr.push(text),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}

/** Prints `value` as indented JSON (the `--json` form of every read command). */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
