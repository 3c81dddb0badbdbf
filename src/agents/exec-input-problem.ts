/**
 * Linux's limit for one argument or environment string, terminating NUL included:
 * `MAX_ARG_STRLEN` = 32 × 4096-byte pages = 131072 bytes (include/uapi/linux/binfmts.h); a longer
 * one makes `execve` fail with E2BIG whatever the total size.
 */
export const MAX_ARG_STRLEN = 32 * 4096;

/**
 * Checks an argv and environment against {@link MAX_ARG_STRLEN} before a process is started, so
 * that an oversize input is reported as what it is — naming the argument or variable and its size —
 * instead of as an agent that "could not be started (E2BIG)". Returns the problem, or `undefined`.
 * Pure; only this per-string limit is checked (the total limit depends on the stack size).
 */
export function execInputProblem(argv: readonly string[], env: Readonly<Record<string, string>>): string | undefined {
  const size = (s: string) => Buffer.byteLength(s, 'utf8') + 1;
  const limit = `over the operating system's limit of ${MAX_ARG_STRLEN} bytes for one argument or environment string (Linux MAX_ARG_STRLEN)`;
  for (const [i, arg] of argv.entries()) {
    if (size(arg) > MAX_ARG_STRLEN)
      return `The agent's input is too large to pass: argument ${i} of the agent command is ${size(arg) - 1} bytes, ${limit}. This is an input problem, not a broken agent command: pass long inputs through a file (e.g. {promptFile}).`;
  }
  for (const [name, value] of Object.entries(env)) {
    if (size(`${name}=${value}`) > MAX_ARG_STRLEN)
      return `The agent's input is too large to pass: the environment variable ${name} is ${Buffer.byteLength(value, 'utf8')} bytes, ${limit}. This is an input problem, not a broken agent command.`;
  }
  return undefined;
}
