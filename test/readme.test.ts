// The README's code example is the example test file, character for character, so the example a
// reader copies is one that runs (examples/*.test.ts are part of `npm test`).
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('README: the programmatic API example is examples/partition-timeout.test.ts verbatim', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const marker = '<!-- example: examples/partition-timeout.test.ts -->\n```ts\n';
  const start = readme.indexOf(marker);
  expect(start).toBeGreaterThan(0);
  const body = readme.slice(start + marker.length, readme.indexOf('```\n', start + marker.length));
  expect(body).toBe(readFileSync(new URL('../examples/partition-timeout.test.ts', import.meta.url), 'utf8'));
});
