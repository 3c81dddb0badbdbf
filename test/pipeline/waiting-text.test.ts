import { describe, expect, it } from 'vitest';
import type { QueuePosition } from '../../src/engine/job-reader.js';
import { waitingText } from '../../src/pipeline/waiting-text.js';

describe('waitingText', () => {
  it.each<[string, QueuePosition | undefined, string]>([
    ['unknown (about to start)', undefined, 'for a free agent slot'],
    ['a waiting job', { place: 'waiting', ahead: 0, waiting: 3 }, 'for a free agent slot'],
    ['first in line', { place: 'waiting-for-slot', ahead: 0, waiting: 4 }, 'for a free agent slot (1st of 4 waiting)'],
    ['behind its issue', { place: 'waiting-for-issue', ahead: 1, waiting: 4 }, 'for the job before it on this issue to finish (2nd of 4 waiting)'],
    ['the last one counted exactly', { place: 'waiting-for-slot', ahead: 100, waiting: 101 }, 'for a free agent slot (101st of 101 waiting)'],
    ['far back in a long queue', { place: 'waiting-for-slot', ahead: 100, moreAhead: true, waiting: 12_345 }, 'for a free agent slot (more than 100 ahead of it, 12,345 waiting)'],
    [
      'far back, behind its issue',
      { place: 'waiting-for-issue', ahead: 100, moreAhead: true, waiting: 500 },
      'for the job before it on this issue to finish (more than 100 ahead of it, 500 waiting)',
    ],
  ])('%s', (_name, position, text) => {
    expect(waitingText(position)).toBe(text);
  });
});
