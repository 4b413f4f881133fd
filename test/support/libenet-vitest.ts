// Vitest glue for tests that need the real libenet (kept apart from libenet.ts so that benchmarks
// can use the driver without importing vitest).

import { describe, test } from 'vitest';

import { libenetAvailability } from './libenet.js';

/**
 * Registers `fn` as a describe block when the libenet oracle can be built. When it cannot (no gcc,
 * no libenet-dev), registers a single test instead that fails under CI (`CI=true`: the oracle must
 * run there) and is skipped elsewhere, with the reason printed as a warning and as the skip note.
 */
export function describeLibenet(name: string, fn: (driverPath: string) => void): void {
  const availability = libenetAvailability();
  if (availability.ok) {
    describe(name, () => fn(availability.driverPath));
    return;
  }
  const reason = `libenet oracle unavailable: ${availability.reason}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('the libenet oracle is available (required under CI)', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`[enetsim] skipping "${name}": ${reason}`);
  describe(name, () => {
    test('the libenet oracle is available', (context) => {
      context.skip(reason);
    });
  });
}
