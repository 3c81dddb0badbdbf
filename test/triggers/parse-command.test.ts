import { describe, expect, it } from 'vitest';
import { classifyCommand } from '../../src/triggers/classify-command.js';
import { parseCommand } from '../../src/triggers/parse-command.js';

describe('parseCommand', () => {
  it.each([
    ['bare command', '/kugetsu', ''],
    ['command with message', '/kugetsu fix the build', 'fix the build'],
    ['message continues on the next lines', '/kugetsu fix it\nand add a test\n\nthanks', 'fix it\nand add a test\n\nthanks'],
    ['command after prose', 'Hi!\n/kugetsu go', 'go'],
    ['leading spaces', '   /kugetsu indented', 'indented'],
    ['case-insensitive', '/KUGETSU shout', 'shout'],
    ['CRLF line ends', 'x\r\n/kugetsu a\r\nb', 'a\nb'],
    ['first of several command lines wins, the rest is message', '/kugetsu one\n/kugetsu two', 'one\n/kugetsu two'],
    ['command after a closed code fence', '```\n/kugetsu no\n```\n/kugetsu yes', 'yes'],
    ['tilde fence', '~~~\n/kugetsu no\n~~~\n/kugetsu yes', 'yes'],
    ['command after a quote', '> /kugetsu quoted\n/kugetsu real', 'real'],
    ['message keeps code blocks after the command', '/kugetsu run\n```sh\nnpm test\n```', 'run\n```sh\nnpm test\n```'],
  ])('%s', (_name, body, message) => {
    expect(parseCommand(body, '/kugetsu')?.message).toBe(message);
  });

  it.each([
    ['no command', 'just a comment'],
    ['mid-line mention', 'please run /kugetsu later'],
    ['inside a code block', '```\n/kugetsu do it\n```'],
    ['inside an unclosed code block', 'look:\n```\n/kugetsu do it'],
    ['quoted', '> /kugetsu do it'],
    ['nested quote', '> > /kugetsu do it'],
    ['longer word', '/kugetsuX do it'],
    ['word with suffix', '/kugetsu-bot do it'],
    ['empty body', ''],
  ])('no command: %s', (_name, body) => {
    expect(parseCommand(body, '/kugetsu')).toBeUndefined();
  });

  it('reports the 1-based line of the command', () => {
    expect(parseCommand('a\nb\n/kugetsu c', '/kugetsu')?.line).toBe(3);
  });

  it('uses the configured command word, with regex characters taken literally', () => {
    expect(parseCommand('/bot.run now', '/bot.run')?.message).toBe('now');
    expect(parseCommand('/botxrun now', '/bot.run')).toBeUndefined();
  });
});

describe('classifyCommand', () => {
  it.each([
    ['help', { kind: 'subcommand', name: 'help' }],
    ['STATUS', { kind: 'subcommand', name: 'status' }],
    ['stop.', { kind: 'subcommand', name: 'stop' }],
    ['retry', { kind: 'subcommand', name: 'retry' }],
    ['reset', { kind: 'subcommand', name: 'reset' }],
    ['stauts', { kind: 'near-miss', word: 'stauts', suggestion: 'status' }],
    ['hlep', { kind: 'near-miss', word: 'hlep', suggestion: 'help' }],
    ['retyr', { kind: 'near-miss', word: 'retyr', suggestion: 'retry' }],
    ['stop the build from failing', { kind: 'message', message: 'stop the build from failing' }],
    ['status\nof the parser please', { kind: 'message', message: 'status\nof the parser please' }],
    ['refactor', { kind: 'message', message: 'refactor' }],
    ['go', { kind: 'message', message: 'go' }],
    ['', { kind: 'message', message: '' }],
  ])('%j → %j', (text, expected) => {
    expect(classifyCommand(text)).toEqual(expected);
  });
});
