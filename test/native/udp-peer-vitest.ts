// Vitest glue for tests that need the C peer (native/udp-peer.c): like describeLibenet, the block
// runs when the peer builds, is skipped loudly when gcc or libenet-dev is missing, and fails under CI.

import { describe, test } from 'vitest';

import { udpPeerAvailability } from '../../src/native/udp-peer.js';

/** Registers `fn(binaryPath)` as a describe block when the C peer can be built. */
export function describeWithUdpPeer(name: string, fn: (binaryPath: string) => void): void {
  const availability = udpPeerAvailability();
  if (availability.ok) {
    describe(name, () => fn(availability.binaryPath));
    return;
  }
  const reason = `C peer (native/udp-peer.c against libenet) unavailable: ${availability.reason}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('the C peer is available (required under CI)', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`[enetsim] skipping "${name}": ${reason}`);
  describe(name, () => {
    test('the C peer is available', (context) => {
      context.skip(reason);
    });
  });
}
