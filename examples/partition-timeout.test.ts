import { expect, test } from 'vitest';
import { Simulation } from 'enetsim';

test('a client cut off from its server times out after about 8 s', () => {
  const sim = new Simulation({ seed: 1 });
  sim.addHost('server', { service: { hz: 60 } }); // Godot calls service() once per frame
  sim.addHost('client', { service: { hz: 60 } });
  sim.defaultLink({ latencyMs: 30, jitter: { ms: 5 } }); // one-way: 30 ms ± 5 ms
  sim.at(0, () => sim.host('client').connect('server', 2, 0));
  sim.at(5_000, () => sim.partition('client', 'server'));
  sim.run(60_000);

  const dropped = sim.trace.events.find(
    (event) => event.kind === 'state' && event.host === 'client' && event.to === 'STATE_DISCONNECTED',
  );
  expect(dropped).toMatchObject({ atMs: 12_933, cause: 'timeoutLimit' });
  // Run it again: the same seed gives the same trace, byte for byte.
  expect(sim.trace.hash()).toMatchInlineSnapshot(`"269f8472b4e44e30"`);
});
