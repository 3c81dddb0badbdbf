/**
 * The caps of an agent's prompt, all in bytes of UTF-8 except `maxComments`. Set by
 * `KUGETSU_PROMPT_MAX_BYTES`, `KUGETSU_PROMPT_MAX_BODY_BYTES`, `KUGETSU_PROMPT_MAX_COMMENT_BYTES`
 * and `KUGETSU_PROMPT_MAX_COMMENTS`. What a cap leaves out is named in the prompt, with the issue's
 * URL to read it; nothing is left out silently.
 */
export interface PromptLimits {
  /** The whole prompt file. The request comes first, then the issue body, then the comments, newest first. */
  maxBytes: number;
  /** The issue body (after hidden HTML comments and invisible characters are removed). */
  maxBodyBytes: number;
  /** Each comment, likewise. */
  maxCommentBytes: number;
  /** Comments read from Gitea: the newest this many (kugetsu's own do not count). */
  maxComments: number;
}

/**
 * Defaults that keep a prompt within 256 KiB (about 64k tokens of English), with room for a long
 * request (a pasted log): a 64 KiB issue body, comments of up to 16 KiB, the newest 50 of them.
 */
export const DEFAULT_PROMPT_LIMITS: PromptLimits = {
  maxBytes: 256 * 1024,
  maxBodyBytes: 64 * 1024,
  maxCommentBytes: 16 * 1024,
  maxComments: 50,
};
