// The differential conformance suite in CI: 200 generated random scenarios (changing links, every
// packet kind and size, fragments, pauses, reconnects and the API calls a game makes), each run on
// the TypeScript core (as ENet 1.3.17) and on the real libenet 1.3.17; the traces must be
// identical, datagram for datagram. `enetsim conformance --seeds N` runs more.
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
      }
      // The generator must produce real traffic, not empty runs.
      expect(events / BATCH).toBeGreaterThan(100);
    });
  }
});
