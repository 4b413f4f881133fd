import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeDatagram } from '../../src/enet/codec.js';
import { CommandDescriber } from '../../src/sim/datagram-commands.js';
import { Simulation } from '../../src/sim/simulation.js';

/** The description as decodeDatagram gives it: what the trace wrote before CommandDescriber. */
function decodedDescription(bytes: Uint8Array, checksum: boolean): string[] {
  const decoded = decodeDatagram(bytes, { checksum });
  if (!decoded.ok) return [decoded.reason];
  return decoded.commands.map((command) => `${command.name} ch${command.channelID} #${command.reliableSequenceNumber}`);
}

describe('datagram command descriptions', () => {
  it('command describer: the same descriptions as decodeDatagram for any bytes, with and without a checksum slot', () => {
    const describer = new CommandDescriber();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, checksum) => {
        expect(describer.describe(bytes, checksum)).toEqual(decodedDescription(bytes, checksum));
      }),
      { numRuns: 3000 },
    );
  });

  it('command describer: the same descriptions as decodeDatagram for every datagram of a lossy duel', () => {
    const sim = new Simulation({ seed: 7, keepDatagramBytes: true });
    sim.defaultLink({ latencyMs: 20, loss: { model: 'bernoulli', percent: 5 } });
    sim.addHost('server', { checksum: true });
    sim.addHost('client', { checksum: true });
    sim.at(0, () => sim.host('client').connect('server', 2));
    for (let atMs = 300; atMs < 3000; atMs += 10) sim.at(atMs, () => sim.host('client').send('server', atMs % 2, 40 + (atMs % 300), atMs % 20 === 0 ? 1 : 0));
    sim.run(3000);
    const describer = new CommandDescriber();
    let checked = 0;
    for (const event of sim.trace.events) {
      if (event.kind !== 'datagram' || event.phase !== 'sent') continue;
      const bytes = sim.trace.bytesOf(event)!;
      expect(describer.describe(bytes, true)).toEqual(decodedDescription(bytes, true));
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });
});
