// The trace hash of every shipped scenario (its own seed, every host on the TypeScript core),
// pinned in test/trace/pinned-hashes.json: work that must not change behaviour (speed work on the
// core, the simulator or the trace) has to leave every hash as it is. A change that is meant to move
// traces updates the file and says in its commit which scenarios moved and why
// (`npx vitest run test/trace/pinned-hashes.test.ts -u` rewrites it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const FILES = readdirSync(join(REPO_ROOT, 'scenarios')).filter((file) => file.endsWith('.yaml')).sort();

function traceHash(file: string): string {
  const loaded = loadScenario(file, readFileSync(join(REPO_ROOT, 'scenarios', file), 'utf8'));
  if (!loaded.ok) throw new Error(`${file} does not load: ${loaded.problems.map((problem) => problem.message).join('; ')}`);
  const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed, typescriptOnly: true });
  sim.run(loaded.scenario.durationMs);
  sim.destroy();
  return sim.trace.hash();
}

test('every shipped scenario has the trace hash pinned for it', { timeout: 120_000 }, async () => {
  expect(FILES.length).toBeGreaterThan(20);
  const hashes = Object.fromEntries(FILES.map((file) => [file, traceHash(file)]));
  await expect(`${JSON.stringify(hashes, null, 2)}\n`).toMatchFileSnapshot('./pinned-hashes.json');
});
