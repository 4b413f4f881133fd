// A real client/server exchange on the TypeScript core, used as the seed corpus and starting state of
// the host fuzz properties, and the invariants those properties check after every step.
import { Host, type Compressor, type WireAddress } from '../../src/enet/host.js';
import { IncomingCommand, Packet, type Peer } from '../../src/enet/peer.js';
import { PacketFlag, PeerState, type ProtocolProfile } from '../../src/enet/constants.js';
import type { List, ListNode } from '../../src/enet/list.js';
import {
  MAX_PENDING_ACKNOWLEDGEMENTS,
  MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL,
  RELIABLE_WINDOW_SIZE,
  RELIABLE_WINDOWS_ACCEPTED,
  maxActivePeers,
  maxTotalWaitingDataBytes,
} from './fuzz-bounds.js';
import { assembleDatagram, sealChecksum } from './fuzz-wire.js';

export const CLIENT_ADDRESS: WireAddress = { host: 0x0a000001, port: 40001 };
export const SERVER_ADDRESS: WireAddress = { host: 0x0a000002, port: 7777 };
export const STRANGER_ADDRESS: WireAddress = { host: 0x0a000003, port: 40001 };

export interface Limits {
  maximumPacketSize: number;
  maximumWaitingData: number;
}

export const DEFAULT_LIMITS: Limits = { maximumPacketSize: 32 * 1024 * 1024, maximumWaitingData: 32 * 1024 * 1024 };
export const SMALL_LIMITS: Limits = { maximumPacketSize: 64 * 1024, maximumWaitingData: 64 * 1024 };
export const TINY_LIMITS: Limits = { maximumPacketSize: 8 * 1024, maximumWaitingData: 4 * 1024 };

export interface FuzzConfig {
  profile: ProtocolProfile;
  checksum: boolean;
  limits: Limits;
  /** Give both hosts TEST_COMPRESSOR, so COMPRESSED datagrams reach the decompression path. */
  compressor?: boolean;
}

/**
 * A stand-in compressor: never compresses (so the exchange itself is unchanged) and "decompresses"
 * by copying, except that a body starting 0xEE inflates to one byte more than the limit and an empty
 * body fails, the two failures the receive path must drop.
 */
export const TEST_COMPRESSOR: Compressor = {
  compress: () => null,
  decompress: (input, limitBytes) => {
    if (input.length === 0) return null;
    if (input[0] === 0xee) return new Uint8Array(limitBytes + 1);
    return input.slice();
  },
};

export type Side = 'client' | 'server';

export interface Pair {
  config: FuzzConfig;
  client: Host;
  server: Host;
  nowMs: number;
  /** Datagrams sent and not yet delivered, in send order. */
  inFlight: { to: Side; data: Uint8Array }[];
  /** Every datagram either host sent, in order (the corpus). */
  sent: { to: Side; data: Uint8Array }[];
}

export const SERVER_PEER_COUNT = 3;
export const CLIENT_PEER_COUNT = 2;

export function createPair(config: FuzzConfig, startMs: number): Pair {
  const make = (peerCount: number, randomSeed: number, address: WireAddress): Host => {
    const host = new Host({ address, peerCount, randomSeed, profile: config.profile, checksum: config.checksum, channelLimit: 4 });
    host.maximumPacketSize = config.limits.maximumPacketSize;
    host.maximumWaitingData = config.limits.maximumWaitingData;
    if (config.compressor === true) host.compress(TEST_COMPRESSOR);
    return host;
  };
  return {
    config,
    client: make(CLIENT_PEER_COUNT, 0x1234, CLIENT_ADDRESS),
    server: make(SERVER_PEER_COUNT, 0x9876, SERVER_ADDRESS),
    nowMs: startMs >>> 0,
    inFlight: [],
    sent: [],
  };
}

export function hostOf(pair: Pair, side: Side): Host {
  return side === 'client' ? pair.client : pair.server;
}

export function sourceFor(side: Side): WireAddress {
  return side === 'client' ? SERVER_ADDRESS : CLIENT_ADDRESS;
}

/** Collects what both hosts sent into the in-flight list. */
export function collect(pair: Pair): void {
  for (const [from, to] of [
    ['client', 'server'],
    ['server', 'client'],
  ] as const) {
    for (const datagram of hostOf(pair, from).pollDatagrams()) {
      const item = { to, data: datagram.data };
      pair.inFlight.push(item);
      pair.sent.push(item);
    }
  }
}

/** Services a host until it has no event left (bounded), returning the results seen. */
export function serviceUntilIdle(host: Host, nowMs: number, maxCalls = 64): number[] {
  const results: number[] = [];
  for (let call = 0; call < maxCalls; call++) {
    const { result } = host.service(nowMs);
    results.push(result);
    if (result !== 1) break;
  }
  return results;
}

/** One lockstep round: deliver everything in flight, advance time, service both hosts, collect. */
export function pumpRound(pair: Pair, advanceMs: number): void {
  collect(pair);
  const deliveries = pair.inFlight;
  pair.inFlight = [];
  for (const { to, data } of deliveries) hostOf(pair, to).handleDatagram(sourceFor(to), data);
  pair.nowMs = (pair.nowMs + advanceMs) >>> 0;
  serviceUntilIdle(pair.client, pair.nowMs);
  serviceUntilIdle(pair.server, pair.nowMs);
  collect(pair);
}

/** How far the scripted exchange runs before the fuzzing starts. */
export const PHASES = ['connecting', 'connected', 'trafficInFlight', 'trafficDone', 'disconnecting'] as const;
export type Phase = (typeof PHASES)[number];

function pattern(length: number, salt: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + salt) & 0xff;
  return bytes;
}

/** Queues the application traffic of the script: every kind of packet, both ways. */
export function sendScriptTraffic(pair: Pair): void {
  const clientPeer = pair.client.peers[0]!;
  const serverPeer = pair.server.peers.find((peer) => peer.state === PeerState.STATE_CONNECTED);
  if (clientPeer.state === PeerState.STATE_CONNECTED) {
    clientPeer.send(0, new Packet(pattern(100, 1), PacketFlag.reliable));
    clientPeer.send(1, new Packet(pattern(50, 2), 0));
    clientPeer.send(2, new Packet(pattern(30, 3), PacketFlag.unsequenced));
    clientPeer.send(3, new Packet(pattern(5000, 4), PacketFlag.reliable));
    clientPeer.send(1, new Packet(pattern(3000, 5), PacketFlag.unreliableFragment));
    clientPeer.send(0, new Packet(new Uint8Array(0), PacketFlag.reliable));
    clientPeer.send(2, new Packet(pattern(2500, 6), PacketFlag.unsequenced));
  }
  if (serverPeer !== undefined) {
    serverPeer.send(0, new Packet(pattern(200, 7), PacketFlag.reliable));
    serverPeer.send(1, new Packet(pattern(20, 8), 0));
    serverPeer.send(2, new Packet(pattern(4000, 9), PacketFlag.reliable));
    serverPeer.send(3, new Packet(pattern(10, 10), PacketFlag.unsequenced));
  }
}

/**
 * Runs the script up to `phase`: connect, handshake, traffic of every kind both ways (reliable,
 * unreliable, unsequenced, reliable and unreliable fragments), a throttle configuration, and a
 * graceful disconnect. Deterministic: the same config and start time give the same datagrams.
 */
export function runScript(pair: Pair, phase: Phase): void {
  const stop = PHASES.indexOf(phase);
  pair.client.connect(SERVER_ADDRESS, 4, 42);
  pumpRound(pair, 0);
  if (stop === 0) return;
  for (let round = 0; round < 6; round++) pumpRound(pair, 10);
  if (stop === 1) return;
  sendScriptTraffic(pair);
  pair.client.peers[0]!.throttleConfigure(4000, 3, 3);
  pumpRound(pair, 0);
  pumpRound(pair, 10);
  if (stop === 2) return;
  for (let round = 0; round < 8; round++) pumpRound(pair, 15);
  if (stop === 3) return;
  pair.client.peers[0]!.disconnectLater(7, pair.nowMs);
  pumpRound(pair, 5);
}

/** The datagrams of the whole script, by destination, for a config: the mutation corpus. */
export function recordCorpus(config: FuzzConfig, startMs: number): { toServer: Uint8Array[]; toClient: Uint8Array[] } {
  const pair = createPair(config, startMs);
  runScript(pair, 'disconnecting');
  for (let round = 0; round < 10; round++) pumpRound(pair, 20);
  return {
    toServer: pair.sent.filter((item) => item.to === 'server').map((item) => item.data),
    toClient: pair.sent.filter((item) => item.to === 'client').map((item) => item.data),
  };
}

// ---- invariants --------------------------------------------------------------------------------

function listProblems(name: string, list: List<ListNode>, limit = 2_000_000): string[] {
  const sentinel = list.end();
  let count = 0;
  for (let node = sentinel.next; node !== sentinel; node = node.next) {
    if (node.next.prev !== node || node.prev.next !== node) return [`${name}: broken links at element ${count}`];
    if (++count > limit) return [`${name}: more than ${limit} elements (cycle?)`];
  }
  if (sentinel.next.prev !== sentinel || sentinel.prev.next !== sentinel) return [`${name}: broken sentinel links`];
  return [];
}

function forEach<T extends ListNode>(list: List<T>, visit: (node: T) => void): void {
  for (let node = list.begin(); node !== list.end(); node = node.next) visit(node as T);
}

/** Bytes of packet data a peer holds in its incoming and dispatched queues. */
export function heldPayloadBytes(peer: Peer): number {
  let bytes = 0;
  const add = (command: IncomingCommand): void => {
    bytes += command.packet.data.length;
  };
  for (const channel of peer.channels) {
    forEach(channel.incomingReliableCommands, add);
    forEach(channel.incomingUnreliableCommands, add);
  }
  forEach(peer.dispatchedCommands, add);
  return bytes;
}

/** Reliable commands queued on a channel whose sequence number is ahead of incomingReliableSequenceNumber within the 7 windows. */
export function reliableCommandsAhead(channelIncoming: number, sequences: readonly number[]): number {
  const limit = RELIABLE_WINDOWS_ACCEPTED * RELIABLE_WINDOW_SIZE;
  const base = channelIncoming - (channelIncoming % RELIABLE_WINDOW_SIZE);
  let count = 0;
  for (const sequence of sequences) {
    const distanceFromBase = (sequence - base + 0x10000) & 0xffff;
    if (sequence !== channelIncoming && distanceFromBase < limit && ((sequence - channelIncoming + 0x10000) & 0xffff) < limit) count++;
  }
  return count;
}

/**
 * Every invariant a host keeps whatever arrives from the network. Returns the violations (empty when
 * all hold), each naming the host, peer and numbers involved.
 */
export function hostInvariantViolations(label: string, host: Host, options: { afterIdleService: boolean }): string[] {
  const problems: string[] = [];
  const waitingBound = maxTotalWaitingDataBytes(host.maximumWaitingData, host.maximumPacketSize);
  let active = 0;
  let connected = 0;
  let bandwidthLimited = 0;
  problems.push(...listProblems(`${label} dispatchQueue`, host.dispatchQueue as unknown as List<ListNode>));
  const queuedForDispatch = new Set<Peer>();
  forEach(host.dispatchQueue, (peer) => queuedForDispatch.add(peer));
  for (const peer of host.peers) {
    const where = `${label} peer ${peer.incomingPeerID} (state ${peer.state})`;
    if (peer.state !== PeerState.STATE_DISCONNECTED) active++;
    if (peer.state === PeerState.STATE_CONNECTED || peer.state === PeerState.STATE_DISCONNECT_LATER) {
      connected++;
      if (peer.incomingBandwidth !== 0) bandwidthLimited++;
    }
    if (peer.needsDispatch !== queuedForDispatch.has(peer)) problems.push(`${where}: needsDispatch ${peer.needsDispatch} but queued ${!peer.needsDispatch}`);
    for (const [name, list] of [
      ['acknowledgements', peer.acknowledgements],
      ['sentReliableCommands', peer.sentReliableCommands],
      ['outgoingCommands', peer.outgoingCommands],
      ['outgoingSendReliableCommands', peer.outgoingSendReliableCommands],
      ['dispatchedCommands', peer.dispatchedCommands],
    ] as const) {
      problems.push(...listProblems(`${where} ${name}`, list as unknown as List<ListNode>));
    }
    // Memory: the waiting-data counter stays within its bound and covers the bytes really held.
    if (peer.totalWaitingData < 0) problems.push(`${where}: totalWaitingData ${peer.totalWaitingData} < 0`);
    if (peer.totalWaitingData > waitingBound) problems.push(`${where}: totalWaitingData ${peer.totalWaitingData} > bound ${waitingBound}`);
    const held = heldPayloadBytes(peer);
    if (held > peer.totalWaitingData) problems.push(`${where}: holds ${held} payload bytes but totalWaitingData is ${peer.totalWaitingData}`);
    // Acknowledgements owed.
    const acknowledgements = peer.acknowledgements.size();
    if (acknowledgements > MAX_PENDING_ACKNOWLEDGEMENTS) problems.push(`${where}: ${acknowledgements} acknowledgements queued`);
    if (
      options.afterIdleService &&
      acknowledgements > 0 &&
      peer.state !== PeerState.STATE_ZOMBIE &&
      peer.state !== PeerState.STATE_DISCONNECTED
    ) {
      problems.push(`${where}: ${acknowledgements} acknowledgements left after a service call that returned 0`);
    }
    // Per channel: queue integrity, sequence-window bound, reliable-window bookkeeping.
    peer.channels.forEach((channel, channelID) => {
      const at = `${where} channel ${channelID}`;
      problems.push(...listProblems(`${at} incomingReliableCommands`, channel.incomingReliableCommands as unknown as List<ListNode>));
      problems.push(...listProblems(`${at} incomingUnreliableCommands`, channel.incomingUnreliableCommands as unknown as List<ListNode>));
      const sequences: number[] = [];
      forEach(channel.incomingReliableCommands, (command) => {
        sequences.push(command.reliableSequenceNumber);
        if (command.channelID !== channelID) problems.push(`${at}: reliable command of channel ${command.channelID} queued here`);
      });
      const ahead = reliableCommandsAhead(channel.incomingReliableSequenceNumber, sequences);
      if (ahead > MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL) problems.push(`${at}: ${ahead} reliable commands ahead > ${MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL}`);
      forEach(channel.incomingUnreliableCommands, (command) => {
        if (command.channelID !== channelID) problems.push(`${at}: unreliable command of channel ${command.channelID} queued here`);
      });
      // usedReliableWindows bit w ⇔ reliableWindows[w] > 0, and reliableWindows[w] counts this
      // channel's reliable commands sent at least once and not yet acknowledged, in window w.
      const inFlight = new Array<number>(16).fill(0);
      const countSent = (command: { command: Uint8Array; sendAttempts: number; reliableSequenceNumber: number }): void => {
        if (command.command[1] === channelID && command.command[0]! & 0x80 && command.sendAttempts >= 1) {
          inFlight[Math.floor(command.reliableSequenceNumber / RELIABLE_WINDOW_SIZE)]!++;
        }
      };
      forEach(peer.sentReliableCommands, countSent);
      forEach(peer.outgoingCommands, countSent);
      forEach(peer.outgoingSendReliableCommands, countSent);
      for (let window = 0; window < 16; window++) {
        const used = (channel.usedReliableWindows & (1 << window)) !== 0;
        if (used !== channel.reliableWindows[window]! > 0) {
          problems.push(`${at}: window ${window} used bit ${used} but count ${channel.reliableWindows[window]}`);
        }
        if (channel.reliableWindows[window] !== inFlight[window]) {
          problems.push(`${at}: window ${window} counts ${channel.reliableWindows[window]} in flight, queues hold ${inFlight[window]}`);
        }
      }
    });
    // Reliable payload in flight is the sum over the sent list, while the queues were never reset
    // without a peer reset (resetQueues leaves the counter; only states after a disconnect do that).
    if (peer.state <= PeerState.STATE_DISCONNECT_LATER && peer.state !== PeerState.STATE_DISCONNECTED) {
      let inTransit = 0;
      forEach(peer.sentReliableCommands, (command) => {
        if (command.packet !== null) inTransit += command.fragmentLength;
      });
      if (inTransit !== peer.reliableDataInTransit) problems.push(`${where}: reliableDataInTransit ${peer.reliableDataInTransit}, sent list holds ${inTransit}`);
    }
    if (peer.channelCount > host.channelLimit) problems.push(`${where}: ${peer.channelCount} channels > channelLimit ${host.channelLimit}`);
  }
  if (active > maxActivePeers(host.peerCount)) problems.push(`${label}: ${active} active peers > ${host.peerCount}`);
  if (host.connectedPeers !== connected) problems.push(`${label}: connectedPeers ${host.connectedPeers}, peers in CONNECTED/DISCONNECT_LATER ${connected}`);
  if (host.bandwidthLimitedPeers !== bandwidthLimited) {
    problems.push(`${label}: bandwidthLimitedPeers ${host.bandwidthLimitedPeers}, connected peers with incomingBandwidth ${bandwidthLimited}`);
  }
  return problems;
}

// ---- feeding hand-made commands over a live session --------------------------------------------

/**
 * Packs encoded commands into datagrams of at most `maxDatagramBytes` with the header the legitimate
 * client would use toward the server (its peer id, session, SENT_TIME, checksum sealed with the
 * connectID), hands each to the server and services it until the datagram is read and every event
 * is taken. Returns the events by type and the datagrams the server sent meanwhile.
 */
export function feedServer(
  pair: Pair,
  commands: readonly Uint8Array[],
  options: { maxDatagramBytes?: number; sentTime?: boolean } = {},
): { events: Record<number, number>; sent: Uint8Array[]; results: number[] } {
  const maxDatagramBytes = options.maxDatagramBytes ?? 4096;
  const client = pair.client.peers[0]!;
  const headerBytes = (options.sentTime === false ? 2 : 4) + (pair.config.checksum ? 4 : 0);
  const events: Record<number, number> = {};
  const sent: Uint8Array[] = [];
  const results: number[] = [];
  const flushBatch = (batch: Uint8Array[]): void => {
    const bytes = assembleDatagram(
      {
        peerID: client.outgoingPeerID,
        sessionID: client.outgoingSessionID & 3,
        compressed: false,
        sentTime: options.sentTime === false ? null : pair.nowMs & 0xffff,
        checksum: pair.config.checksum ? 0 : null,
      },
      batch,
    );
    if (pair.config.checksum) sealChecksum(bytes, client.connectID);
    pair.server.handleDatagram(CLIENT_ADDRESS, bytes);
    for (let call = 0; call < 10_000_000; call++) {
      const { result, event } = pair.server.service(pair.nowMs);
      results.push(result);
      if (result === 1) {
        events[event.type] = (events[event.type] ?? 0) + 1;
        continue;
      }
      if (pair.server.pendingDatagramCount === 0) break;
    }
    for (const datagram of pair.server.pollDatagrams()) sent.push(datagram.data);
  };
  let batch: Uint8Array[] = [];
  let size = headerBytes;
  for (const command of commands) {
    if (size + command.length > maxDatagramBytes && batch.length > 0) {
      flushBatch(batch);
      batch = [];
      size = headerBytes;
    }
    batch.push(command);
    size += command.length;
  }
  if (batch.length > 0) flushBatch(batch);
  return { events, sent, results };
}

/** A client connected to the server, no application data exchanged yet; every channel's sequences at 0. */
export function connectedPair(config: FuzzConfig): Pair {
  const pair = createPair(config, 1000);
  runScript(pair, 'connected');
  pair.inFlight = [];
  if (pair.client.peers[0]!.state !== PeerState.STATE_CONNECTED) throw new Error('script did not connect');
  return pair;
}
