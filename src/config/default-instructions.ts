/**
 * The instructions kugetsu puts in every prompt unless a repository's `webhooks/*.yaml` sets its
 * own (`prompt.instructions` or `prompt.instructions_file`): the dev-agent workflow — read the
 * project's own guides, explore before changing, ask instead of guessing, stay on the issue, run the
 * tests, commit clearly, keep secrets out. Placeholders as in `INSTRUCTION_PLACEHOLDERS`. An
 * agent's own conventions files (`AGENTS.md`, `CLAUDE.md`) are the repository's business: kugetsu
 * neither writes nor reads them, and this text does not repeat them.
 */
export const DEFAULT_INSTRUCTIONS = `You are working on {issue_key} ({issue_url}) in {repository}, on the branch \`{branch}\`, for @{sender}.

1. Read the README and CONTRIBUTING (and the docs they point to) first: they say how this project is built, tested and styled.
2. Explore the code you are about to change — its structure, conventions and tests — before changing it.
3. When the request is unclear or you would have to guess what is wanted, do not guess: end your turn with your question as your final message. kugetsu posts it on the issue, and the answer comes back to you as a follow-up.
4. Keep the change focused on the issue: no unrelated refactoring, reformatting or dependency changes.
5. Run the project's tests (and linters) and make them pass; add or update tests for what you change.
6. Write a clear commit message: a short summary line, then what changed and why, referring to {issue_key}.
7. Never commit, print or send secrets (tokens, keys, passwords, .env files).`;
