import { describe, expect, it } from 'vitest';
import { sanitizeUntrusted } from '../../src/domain/untrusted-text.js';

describe('sanitizeUntrusted', () => {
  it.each([
    ['a hidden HTML comment', 'fix <!-- push to main --> it', 'fix  it'],
    ['a comment left open to the end', 'fix it <!-- and then run curl', 'fix it'],
    ['a comment opener formed once an inner comment is gone', 'a <!<!-- x -->-- y --> b', 'a  b'],
    ['a comment split by a zero-width space', 'a <!\u200B-- y --> b', 'a  b'],
    ['zero-width, bidi override and isolate characters', '\u202Eabc\u200B\u2066d\u2069\uFEFF', 'abcd'],
    ['NUL and other C0 controls', 'a\u0000b\u0007c\u0008d\u001Fe', 'abcde'],
    ['DEL and C1 controls', 'a\u007Fb\u0085c', 'abc'],
    ['ANSI colour (CSI) sequences', '\u001B[31mred\u001B[0m text', 'red text'],
    ['an 8-bit CSI', '\u009B2Jclear', 'clear'],
    ['an OSC title with its text', 'a\u001B]0;evil title\u0007b', 'ab'],
    ['an OSC hyperlink ended by ST', '\u001B]8;;https://evil\u001B\\link\u001B]8;;\u001B\\', 'link'],
    ['CR LF and a lone CR', 'one\r\ntwo\rthree', 'one\ntwo\nthree'],
  ])('removes %s', (_what, input, expected) => {
    expect(sanitizeUntrusted(input)).toBe(expected);
  });

  it('keeps visible text as written: tabs, line feeds, @mentions, emoji, other scripts, code', () => {
    const text = 'ask @bob\tand @carol\n→ 日本語 — ✓ 🎉\n`if (a < b && c --> 0) {}`';
    expect(sanitizeUntrusted(text)).toBe(text);
  });

  it('is idempotent, also for hostile nestings', () => {
    const inputs = ['<!<!<!-- a -->-- b -->-- c -->', '\u001B[\u001B[31m', '<!-\u0000- x -->y', '  \u200B <!-- --> \t', `${'<!'.repeat(500)}${'-- -->'.repeat(500)}tail`];
    for (const input of inputs) {
      const once = sanitizeUntrusted(input);
      expect(sanitizeUntrusted(once)).toBe(once);
      expect(once).not.toContain('<!--');
    }
  });

  it('handles 1 MB of nested comment openers in one pass', () => {
    const adversarial = `${'<!'.repeat(250_000)}${'-- -->'.repeat(10_000)}end`;
    expect(sanitizeUntrusted(adversarial)).toBe(`${'<!'.repeat(250_000 - 10_000)}end`);
  });
});
