/**
 * The ingress reads the repository from a delivery's raw bytes without parsing them (to choose its
 * secret). It must agree with JSON.parse on every real body, and on mangled bodies it may only
 * answer "no repository" — never a different repository than the parse would give.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanRepository } from '../../src/ingress/scan-repository.js';
import { FIXTURE_DIR } from '../support/fixtures.js';

const REALWORLD = path.resolve(FIXTURE_DIR, '../../../shared/fixtures/gitea-realworld');
const bodies = [
  ...readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(FIXTURE_DIR, f)),
  ...readdirSync(REALWORLD)
    .filter((f) => f.endsWith('.json') && f !== 'expected.json')
    .map((f) => path.join(REALWORLD, f)),
];

/** What JSON.parse says: `owner/name` of the top-level repository, lowercase. */
function parsed(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = (value as { repository?: { name?: unknown; owner?: { login?: unknown } } } | null)?.repository;
  return typeof r?.owner?.login === 'string' && typeof r.name === 'string' && r.owner.login && r.name ? `${r.owner.login}/${r.name}`.toLowerCase() : undefined;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const scan = (text: string) => scanRepository(new TextEncoder().encode(text));

describe('scanRepository', () => {
  it.each(bodies.map((b) => [path.basename(b), b]))('%s: the same repository as JSON.parse', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    expect(parsed(text)).toBeDefined();
    expect(scan(text)).toBe(parsed(text));
  });

  it.each([
    ['the last repeated key counts', '{"repository":{"name":"a","owner":{"login":"o"}},"repository":{"name":"b","owner":{"login":"p"}}}', 'p/b'],
    ['nested repositories do not count', '{"issue":{"repository":{"name":"x","owner":{"login":"y"}}},"repository":{"owner":{"login":"O"},"name":"N"}}', 'o/n'],
    ['strings that look like keys do not count', '{"body":"\\"repository\\":{\\"name\\":\\"x\\"}","repository":{"name":"n","owner":{"login":"o"}}}', 'o/n'],
    ['an escaped name is not read', '{"repository":{"name":"n\\u0061","owner":{"login":"o"}}}', undefined],
    ['a name that is not a string', '{"repository":{"name":7,"owner":{"login":"o"}}}', undefined],
    ['no owner', '{"repository":{"name":"n"}}', undefined],
    ['owner login is empty', '{"repository":{"name":"n","owner":{"login":""}}}', undefined],
    ['truncated', '{"repository":{"name":"n","owner":{"login":"o"}}', undefined],
    ['trailing garbage', '{"repository":{"name":"n","owner":{"login":"o"}}} x', undefined],
    ['an array', '[{"repository":{"name":"n","owner":{"login":"o"}}}]', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, expected) => {
    expect(scan(text)).toBe(expected);
  });

  it('walks a deeply nested or huge body without recursion and without building it', () => {
    const deep = `{"x":${'['.repeat(200_000)}${']'.repeat(200_000)},"repository":{"name":"n","owner":{"login":"o"}}}`;
    expect(scan(deep)).toBe('o/n');
    expect(scan(`{"x":${'['.repeat(200_000)}`)).toBeUndefined();
  });

  // Where JSON.parse fails the delivery is refused (400) whatever the scan said; where it succeeds,
  // the scan must not have chosen the secrets of another repository.
  it('on 20,000 seeded mutations of real bodies that still parse, never names a repository other than the one JSON.parse gives', () => {
    let seed = 0x5eed;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const texts = bodies.map((b) => readFileSync(b, 'utf8'));
    const alphabet = ['"', '\\', '{', '}', '[', ']', ':', ',', ' ', 'a', '0', '\\u0041', '"repository"', '"name"', '"owner"', '"login"'];
    let disagreements = 0;
    let agreedOnARepository = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = texts[Math.floor(rand() * texts.length)]!;
      for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
        const at = Math.floor(rand() * text.length);
        const piece = alphabet[Math.floor(rand() * alphabet.length)]!;
        text = rand() < 0.5 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
      }
      if (!parses(text)) continue;
      const scanned = scan(text);
      if (scanned !== undefined && scanned !== parsed(text)) disagreements++;
      if (scanned !== undefined && scanned === parsed(text)) agreedOnARepository++;
    }
    expect(disagreements).toBe(0);
    expect(agreedOnARepository).toBeGreaterThan(1_000);
  });
});
