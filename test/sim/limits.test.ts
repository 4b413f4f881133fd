// Every bound of a run is overridable and, when reached, stops the run with its name and the time
// reached: a run that stopped early must never look like one that simulated everything.
import { describe, expect, it } from 'vitest';
import { PacketFlag } from '../../src/enet/constants.js';
import { isSimulationLimit, SIMULATION_LIMIT_NAMES } from '../../src/sim/limits.js';
import { Simulation } from '../../src/sim/simulation.js';

function connectedPair(limits: ConstructorParameters<typeof Simulation>[0]['limits']): Simulation {
  const sim = new Simulation({ seed: 1, limits });
  sim.addHost('server', { service: { intervalMs: 10 } });
  sim.addHost('client', { service: { intervalMs: 10 } });
  sim.at(0, () => sim.host('client').connect('server', 1, 0));
  return sim;
}

describe('simulation limits', () => {
  it('limits: a run without limits reached stops at untilMs', () => {
    expect(connectedPair({}).run(2000)).toEqual({ nowMs: 2000, stoppedBy: 'untilMs' });
  });

  it('limits: the event budget stops the run and says so, at the time it reached', () => {
    const result = connectedPair({ eventBudget: 50 }).run(60_000);
    expect(result.stoppedBy).toBe('eventBudget');
    expect(result.nowMs).toBeGreaterThan(0);
    expect(result.nowMs).toBeLessThan(60_000);
  });

  it('limits: a full trace stops the run (traceEvents) instead of running on unrecorded', () => {
    const sim = connectedPair({ traceEventsMax: 40 });
    const result = sim.run(60_000);
    expect(result.stoppedBy).toBe('traceEvents');
    expect(sim.trace.truncated).toBe(true);
    expect(sim.trace.events).toHaveLength(40);
    expect(result.nowMs).toBeLessThan(60_000);
  });

  it('limits: a full ledger stops the run (ledgerPackets) instead of throwing out of it', () => {
    const sim = connectedPair({ ledgerPacketsMax: 3 });
    sim.at(1000, () => {
      for (let index = 0; index < 10; index++) sim.host('client').send('server', 0, 16, PacketFlag.reliable, 'send');
    });
    const result = sim.run(60_000);
    expect(result).toEqual({ nowMs: 1000, stoppedBy: 'ledgerPackets' });
    expect(sim.ledger.all).toHaveLength(3);
  });

  it('limits: a hold that keeps more datagrams than its bound stops the run (heldDatagrams) instead of throwing out of it', () => {
    const sim = connectedPair({ heldDatagramsMax: 5 });
    sim.at(1000, () => sim.hold('client', 'server'));
    sim.at(1100, () => {
      for (let index = 0; index < 10; index++) sim.host('client').send('server', 0, 16, PacketFlag.unsequenced, 'send');
    });
    const result = sim.run(60_000);
    expect(result.stoppedBy).toBe('heldDatagrams');
    expect(result.nowMs).toBeGreaterThanOrEqual(1100);
    expect(result.nowMs).toBeLessThan(60_000);
  });

  it('limits: every bound a run can stop at is recognised as a limit by the one predicate run and sweep share, and the ordinary stops are not', () => {
    expect(SIMULATION_LIMIT_NAMES.filter((name) => isSimulationLimit(name))).toEqual(['eventBudget', 'traceEvents', 'ledgerPackets', 'heldDatagrams']);
    expect(['untilMs', 'idle', 'condition'].filter((reason) => isSimulationLimit(reason))).toEqual([]);
  });
});
