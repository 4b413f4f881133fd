// `run --explain`: the resolved scenario (every default filled in), then a narrated timeline of what
// ENet did and why: actions, state changes with ENet's reason, retransmissions, throttle steps.
import { profileBehaviour } from '../../enet/profile.js';
import type { Simulation } from '../../sim/simulation.js';
import type { TraceEvent } from '../../trace/trace.js';
import type { Scenario } from '../../scenario/model.js';
import { formatDuration } from '../../scenario/units.js';

/** Narrated lines beyond this many are summarised (a long run retransmits thousands of times). */
export const NARRATION_LINES_MAX = 400;

const THROTTLE_INDEX = 7;

const CAUSES: Record<string, string> = {
  connect: 'the application called connect',
  connectReceived: 'a CONNECT arrived',
  verifyConnectReceived: 'VERIFY_CONNECT arrived: the handshake is done',
  verifyConnectRejected: 'VERIFY_CONNECT did not match what was sent',
  verifyConnectAcknowledged: 'the ACK of VERIFY_CONNECT arrived',
  eventDispatched: 'the event was handed to the application',
  disconnectReceived: 'a DISCONNECT arrived',
  disconnectAcknowledged: 'the ACK of our DISCONNECT arrived',
  disconnectAcknowledgementSent: 'the ACK of their DISCONNECT was sent',
  disconnect: 'the application called peer_disconnect',
  disconnectLater: 'the application called peer_disconnect_later',
  disconnectNow: 'the application called peer_disconnect_now',
  reset: 'the application called reset',
  timeoutMaximum: 'timeout: a reliable command went unacknowledged for timeout_max',
  timeoutLimit: "timeout: the retransmission backoff reached set_timeout's limit and timeout_min passed",
};

/** The resolved scenario; `seed` is the seed that ran (`--seed`, `--seeds`), not necessarily the file's. */
export function describeScenario(scenario: Scenario, seed: number | string = scenario.seed): string {
  const lines = [`Scenario "${scenario.name}" (${scenario.file}), defaults resolved:`];
  lines.push(`  duration ${formatDuration(scenario.durationMs)}, seed ${seed}${scenario.seedFixed ? ' (fixed by the scenario)' : ''}, ENet clock starts at ${scenario.epochMs} ms, statistics every ${formatDuration(scenario.statsIntervalMs)}`);
  const draws = scenario.linkDraws;
  lines.push(`  link draws ${draws.mode === 'time-keyed' ? `time-keyed (fates keyed by send time, loss chains step every ${formatDuration(draws.slotMs)})` : 'per-datagram (fates drawn in send order)'}`);
  for (const host of scenario.hosts) {
    const service = host.service.hz !== null ? `${host.service.hz}Hz` : `every ${formatDuration(host.service.intervalMs!)}`;
    lines.push(
      `  host ${host.name}: ENet ${host.protocol}, ${host.peerCount} peers, channel limit ${host.channelLimit === 0 ? '255' : host.channelLimit}, ` +
        `bandwidth in ${host.incomingBandwidthBytesPerSecond === 0 ? 'unlimited' : `${host.incomingBandwidthBytesPerSecond} B/s`} / out ${host.outgoingBandwidthBytesPerSecond === 0 ? 'unlimited' : `${host.outgoingBandwidthBytesPerSecond} B/s`}, ` +
        `mtu ${host.mtuBytes ?? profileBehaviour(host.protocol).defaultHostMtuBytes}B, checksum ${host.checksum ? 'on' : 'off'}, service ${service} (phase ${formatDuration(host.service.phaseMs)}, jitter ${formatDuration(host.service.jitterMs)}${host.service.onReceive ? ', also on receive' : ''})`,
    );
  }
  for (const link of scenario.links) {
    const target = link.target.kind === 'default' ? 'default' : link.target.kind === 'both' ? `${link.target.a}<->${link.target.b}` : `${link.target.from}->${link.target.to}`;
    lines.push(`  link ${target} (latency is one-way): ${JSON.stringify(link.config)}`);
  }
  return `${lines.join('\n')}\n`;
}

function forgetTransmissions(retransmissions: Map<string, number>, prefix: string): void {
  for (const key of retransmissions.keys()) if (key.startsWith(prefix)) retransmissions.delete(key);
}

function describeEvent(event: TraceEvent, retransmissions: Map<string, number>): string | null {
  switch (event.kind) {
    case 'action':
      return `${event.host ?? 'network'}: ${event.action}${event.detail !== undefined ? ` ${JSON.stringify(event.detail)}` : ''}`;
    case 'state':
      // A peer that ends takes its transmission counts with it: the next peer on this pair (a
      // reconnection, or a new client in a reused slot) starts its sequence numbers again.
      if (event.to === 'STATE_DISCONNECTED') forgetTransmissions(retransmissions, `${event.host}->${event.peer} `);
      return `${event.host}->${event.peer}: ${event.from} → ${event.to}${event.cause !== undefined ? ` (${CAUSES[event.cause] ?? event.cause})` : ''}`;
    case 'event':
      return `${event.host}: ${event.type} event${event.peer !== '-' ? ` from ${event.peer}` : ''}${event.data !== undefined ? ` (data ${event.data})` : ''}`;
    case 'datagram': {
      if (event.phase !== 'sent' || event.commands === undefined) return null;
      const again: string[] = [];
      for (const command of event.commands) {
        if (!/^(CONNECT|VERIFY_CONNECT|PING|SEND_RELIABLE|SEND_FRAGMENT|BANDWIDTH_LIMIT|THROTTLE_CONFIGURE|DISCONNECT)\b/.test(command)) continue;
        const key = `${event.from}->${event.to} ${command}`;
        const count = (retransmissions.get(key) ?? 0) + 1;
        retransmissions.set(key, count);
        if (count > 1) again.push(`${command} (transmission ${count})`);
      }
      return again.length === 0 ? null : `${event.from}->${event.to}: retransmits ${again.join(', ')}`;
    }
    default:
      return null;
  }
}

/** The narrated timeline of one run. */
export function narrate(scenario: Scenario, sim: Simulation): string {
  const lines: string[] = [describeScenario(scenario, sim.options.seed).trimEnd(), `Narrated run (seed ${sim.options.seed}):`];
  const retransmissions = new Map<string, number>();
  const throttles = new Map<string, number>();
  let omitted = 0;
  for (const event of sim.trace.events) {
    let text = describeEvent(event, retransmissions);
    if (event.kind === 'stats') {
      const key = `${event.host}->${event.peer}`;
      const throttle = event.values[THROTTLE_INDEX]!;
      const previous = throttles.get(key) ?? 32;
      throttles.set(key, throttle);
      if (throttle !== previous) text = `${key}: packet throttle ${previous} → ${throttle} of 32 (RTT ${event.values[3]} ms, var ${event.values[4]}, last RTT ${event.values[5]})`;
    }
    if (text === null) continue;
    if (lines.length >= NARRATION_LINES_MAX) {
      omitted++;
      continue;
    }
    const label = event.kind === 'action' && event.id !== undefined ? ` [${event.id}]` : '';
    lines.push(`  ${formatDuration(event.atMs).padStart(9)}${label} ${text}`);
  }
  if (omitted > 0) lines.push(`  … ${omitted} more lines (use --trace FILE for everything)`);
  return `${lines.join('\n')}\n`;
}
