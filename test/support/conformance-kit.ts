// Shared pieces of the conformance and differential suites: the two implementations behind one
// factory, the standard two-host topology, and small readers over a lockstep trace.
import { decodeDatagram, type DecodedCommand } from '../../src/enet/codec.js';
import type { ProtocolProfile } from '../../src/enet/constants.js';
import type { HostConfigLike, HostEventLike, HostLike } from './host-like.js';
import type { LibenetDriver } from './libenet.js';
import { ipv4Address, runLockstep, type LockstepOptions, type LockstepTrace, type TraceDatagram } from './lockstep.js';
import { createTsHost } from './ts-host.js';

/** One ENet implementation that can create hosts. */
export interface Implementation {
  name: string;
  /** The profile it behaves as ('1.3.17' for libenet). */
  profile: ProtocolProfile;
  create(config: HostConfigLike): HostLike;
}

export function typescriptImplementation(profile: ProtocolProfile = '1.3.17'): Implementation {
  return { name: `typescript ${profile}`, profile, create: (config) => createTsHost(config, profile) };
}

export function libenetImplementation(driver: LibenetDriver): Implementation {
  return { name: 'libenet 1.3.17', profile: '1.3.17', create: (config) => driver.createHost(config) };
}

export const CLIENT_ADDRESS = ipv4Address('10.0.0.1', 1000);
export const SERVER_ADDRESS = ipv4Address('10.0.0.2', 2000);
export const OTHER_ADDRESS = ipv4Address('10.0.0.3', 3000);
/** Gives the connectID bytes 24 e6 49 8c of the reference's golden vectors (1.3.17: ++randomSeed). */
export const CLIENT_SEED = 0x8c49e623;
export const SERVER_SEED = 0x1234;

export function hostConfig(overrides: Partial<HostConfigLike> & Pick<HostConfigLike, 'address'>): HostConfigLike {
  return { peerCount: 4, channelLimit: 0, incomingBandwidth: 0, outgoingBandwidth: 0, randomSeed: SERVER_SEED, ...overrides };
}

export interface PairOptions extends Omit<LockstepOptions, 'hosts' | 'startMs' | 'latencyMs'> {
  startMs?: number;
  latencyMs?: number;
  client?: Partial<HostConfigLike>;
  server?: Partial<HostConfigLike>;
  /** Extra hosts beside "client" and "server". */
  extra?: { name: string; config: HostConfigLike }[];
}

export interface PairRun {
  trace: LockstepTrace;
  client: HostLike;
  server: HostLike;
  hosts: Map<string, HostLike>;
}

/** Runs a client (10.0.0.1:1000, 1 slot) and a server (10.0.0.2:2000, 4 slots) in lockstep. */
export function runPair(implementation: Implementation, options: PairOptions): PairRun {
  const client = implementation.create(hostConfig({ address: CLIENT_ADDRESS, peerCount: 1, randomSeed: CLIENT_SEED, ...options.client }));
  const server = implementation.create(hostConfig({ address: SERVER_ADDRESS, ...options.server }));
  const hosts = new Map<string, HostLike>([
    ['client', client],
    ['server', server],
  ]);
  const entries = [
    { name: 'client', address: CLIENT_ADDRESS, host: client },
    { name: 'server', address: SERVER_ADDRESS, host: server },
  ];
  for (const extra of options.extra ?? []) {
    const host = implementation.create(extra.config);
    hosts.set(extra.name, host);
    entries.push({ name: extra.name, address: extra.config.address, host });
  }
  const trace = runLockstep({ ...options, hosts: entries, startMs: options.startMs ?? 1000, latencyMs: options.latencyMs ?? 10 });
  return { trace, client, server, hosts };
}

export function destroyAll(run: PairRun): void {
  for (const host of run.hosts.values()) host.destroy();
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Parses "8f ff 03 e8 ..." (spaces and `|` ignored) into bytes. */
export function bytesOf(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/[\s|]/g, ''), 'hex'));
}

export function sentBy(trace: LockstepTrace, name: string): TraceDatagram[] {
  return trace.datagrams.filter((datagram) => datagram.from === name);
}

export function eventsOf(trace: LockstepTrace, name: string): { atMs: number; event: HostEventLike; result: number }[] {
  return trace.events.filter((event) => event.host === name).map(({ atMs, event, result }) => ({ atMs, event, result }));
}

export function commandsOf(datagram: TraceDatagram, checksum = false): DecodedCommand[] {
  const decoded = decodeDatagram(datagram.bytes, { checksum });
  if (!decoded.ok) throw new Error(`undecodable datagram: ${decoded.reason}`);
  return decoded.commands;
}

/** Datagrams of `name` that carry a command with this name (e.g. 'PING'). */
export function carrying(trace: LockstepTrace, name: string, command: string): TraceDatagram[] {
  return sentBy(trace, name).filter((datagram) => commandsOf(datagram).some((decoded) => decoded.name === command));
}

/** A compact, comparable rendering of a whole trace (used by the differential suite). */
export function renderTrace(trace: LockstepTrace): string[] {
  const lines: string[] = [];
  for (const datagram of trace.datagrams) {
    lines.push(`${datagram.sentAtMs} ${datagram.from}->${datagram.to ?? '?'}${datagram.dropped ? ' (dropped)' : ''} ${hex(datagram.bytes)}`);
  }
  for (const { atMs, host, result, event } of trace.events) {
    const detail =
      event.type === 'receive'
        ? `peer=${event.peerIndex} ch=${event.channelID} flags=${event.flags} ${hex(event.data)}`
        : event.type === 'none'
          ? ''
          : `peer=${event.peerIndex} data=${event.data}`;
    lines.push(`${atMs} ${host} event ${event.type} result=${result} ${detail}`);
  }
  return lines;
}
