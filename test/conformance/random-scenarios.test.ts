// The differential conformance suite in CI: 200 generated random scenarios (changing links, every
// packet kind and size, fragments, pauses, reconnects and the API calls a game makes), each run on
// the TypeScript core (as ENet 1.3.17) and on the real libenet 1.3.17; the traces must be
// identical, datagram for datagram (bytes by hash), and so must every host, peer and channel
// field at the end of each seed. `enetsim conformance --seeds N` runs more.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runConformanceSeed } from '../../src/cli/commands/conformance.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';

const SEEDS = 200;
const BATCH = 25;

describeLibenet('differential conformance: generated scenarios, TypeScript vs libenet 1.3.17', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  for (let first = 1; first <= SEEDS; first += BATCH) {
    test(`seeds ${first}..${first + BATCH - 1}: identical traces`, { timeout: 180_000 }, () => {
      let events = 0;
      for (let seed = first; seed < first + BATCH; seed++) {
        const outcome = runConformanceSeed(seed, (config) => driver.createHost(config));
        events += outcome.eventCount;
        expect(outcome.divergence, `seed ${seed}: reproduce with enetsim conformance --from ${seed} --seeds 1`).toBeNull();
        expect(outcome.fieldDifferences, `seed ${seed}: end-state fields differ; reproduce with enetsim conformance --from ${seed} --seeds 1`).toEqual([]);
        expect(outcome.identical).toBe(true);
      }
      // The generator must produce real traffic, not empty runs.
      expect(events / BATCH).toBeGreaterThan(100);
    });
  }

  test('npm run conformance with --jobs 2 (worker threads, each its own driver) reports what one thread reports', { timeout: 180_000 }, () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const bin = join(root, 'dist', 'cli', 'main.js');
    expect(existsSync(bin), 'npm test builds dist/ before vitest runs').toBe(true);
    const summary = (jobs: number): string => {
      const result = spawnSync(process.execPath, [bin, 'conformance', '--from', '300', '--seeds', '8', '--jobs', String(jobs)], { cwd: root, encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return result.stdout.replace(/, [0-9.]+s( on \d+ worker threads)?\n$/, '');
    };
    const oneThread = summary(1);
    expect(oneThread).toMatch(/^conformance: 8\/8 seeds identical \(100\.00%\), seeds 300\.\.307, \d+ trace events and \d+ end-state fields compared \(TypeScript 1\.3\.17 against libenet 1\.3\.17\)$/);
    expect(summary(2)).toBe(oneThread);
  });
});
