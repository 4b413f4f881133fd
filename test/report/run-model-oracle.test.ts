// The unacknowledged-commands panel is derived from the datagrams alone; here it is checked against
// ENet's own lists (the TypeScript core's peer: commands sent and not yet acknowledged) during a lossy
// run, at every instant where nothing happened.
import { describe, expect, it } from 'vitest';
import { COMMAND_FLAG_ACKNOWLEDGE, PacketFlag } from '../../src/enet/constants.js';
import type { List, ListNode } from '../../src/enet/list.js';
import type { OutgoingCommand } from '../../src/enet/peer.js';
import { buildRunPageData } from '../../src/report/run-model.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { TsHost } from '../../src/sim/ts-host.js';

/** Reliable commands of a peer sent at least once and not acknowledged (in flight, or waiting to be sent again). */
function unacknowledged(host: TsHost): number {
  let count = 0;
  for (const peer of host.core.peers) {
    count += peer.sentReliableCommands.size();
    for (const list of [peer.outgoingCommands, peer.outgoingSendReliableCommands] as List<OutgoingCommand>[]) {
      for (let node: ListNode = list.begin(); node !== list.end(); node = node.next) {
        const command = node as OutgoingCommand;
        if (command.sendAttempts > 0 && (command.command[0]! & COMMAND_FLAG_ACKNOWLEDGE) !== 0) count++;
      }
    }
  }
  return count;
}

describe('unacknowledged reliable commands', () => {
  it("derived from the datagrams: equal to ENet's sent-and-unacknowledged commands at every quiet instant of a lossy run", () => {
    const sim = new Simulation({ seed: 7 });
    sim.addHost('server', { service: { hz: 60, onReceive: true } });
    sim.addHost('client', { service: { hz: 60, onReceive: true } });
    sim.defaultLink({ latencyMs: 20, loss: { model: 'bernoulli', percent: 15 } });
    sim.at(0, () => sim.host('client').connect('server', 2, 0));
    for (let atMs = 500; atMs < 8000; atMs += 23) sim.at(atMs, () => sim.host('client').send('server', 0, 200, PacketFlag.reliable));
    const truth: [number, number][] = [];
    for (let atMs = 1; atMs < 9000; atMs += 7) sim.at(atMs, () => truth.push([atMs, unacknowledged(sim.host('client').impl as TsHost)]));
    sim.run(9000);
    const data = buildRunPageData({ events: sim.trace.events, durationMs: 9000, header: { scenario: '', file: '', seed: '7', passed: null, settings: [], reproduce: '', implementation: '', traceHash: '' }, expectations: [] });
    const series = data.panels.find((panel) => panel.id === 'reliable')!.series.find((each) => each.subject === 'client->server')!;
    // Every change kept (no downsampling), so the series can be read at any instant.
    expect(series.timesMs.length).toBe(series.sampleCount);
    const busy = new Set(sim.trace.events.map((event) => event.atMs));
    const derivedAt = (atMs: number): number => {
      let value = 0;
      series.timesMs.forEach((changeMs, index) => {
        if (changeMs <= atMs) value = series.values[index]!;
      });
      return value;
    };
    const quiet = truth.filter(([atMs]) => !busy.has(atMs));
    expect(quiet.length).toBeGreaterThan(500);
    expect(Math.max(...quiet.map(([, count]) => count))).toBeGreaterThan(1);
    const mismatches = quiet.filter(([atMs, count]) => derivedAt(atMs) !== count);
    expect(mismatches.slice(0, 5).map(([atMs, count]) => ({ atMs, enet: count, derived: derivedAt(atMs) }))).toEqual([]);
  });
});
