// Hostile-network properties of the Host: whatever datagrams arrive (random bytes, or datagrams of a
// real exchange mutated), service() never throws, returns -1/0/1 as libenet would, and the memory a
// peer holds stays within the bounds derived in test/support/fuzz-bounds.ts.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EventType } from '../../src/enet/events.js';
import type { Host, WireAddress } from '../../src/enet/host.js';
import { type OutgoingCommand, Packet } from '../../src/enet/peer.js';
import { PacketFlag, PeerState } from '../../src/enet/constants.js';
import { MAX_PARSED_DATAGRAM_BYTES, SERVICE_RESULTS } from '../support/fuzz-bounds.js';
import {
  DEFAULT_LIMITS,
  PHASES,
  SMALL_LIMITS,
  STRANGER_ADDRESS,
  TINY_LIMITS,
  collect,
  createPair,
  hostInvariantViolations,
  hostOf,
  recordCorpus,
  runScript,
  sourceFor,
  type FuzzConfig,
  type Pair,
  type Phase,
  type Side,
} from '../support/fuzz-exchange.js';
import { fuzzParameters, fuzzTimeoutMs } from '../support/fuzz-seed.js';
import {
  applyMutations,
  arbMutation,
  arbWireCommand,
  assembleDatagram,
  commandSpans,
  encodeCommand,
  parsedHeaderSize,
  sealChecksum,
  type Mutation,
  type WireCommand,
} from '../support/fuzz-wire.js';

/** Runs per property: 4 000 + 20 000 + 5 000 = 29 000 cases, each of up to 24 steps. */
const HOST_RUNS = { arbitraryBytes: 4_000, mutatedExchange: 20_000, craftedCommands: 5_000 } as const;

const LIMITS = [DEFAULT_LIMITS, SMALL_LIMITS, TINY_LIMITS] as const;
/** Normal start, and a start just before the uint32 clock wraps. */
const START_TIMES = [1000, 0xffff_f000] as const;

const arbConfig: fc.Arbitrary<FuzzConfig> = fc.record({
  profile: fc.constantFrom('1.3.17' as const, '1.3.18' as const),
  checksum: fc.boolean(),
  limits: fc.constantFrom(...LIMITS),
  compressor: fc.boolean(),
});

const corpusCache = new Map<string, { toServer: Uint8Array[]; toClient: Uint8Array[] }>();
function corpusFor(config: FuzzConfig, startMs: number): { toServer: Uint8Array[]; toClient: Uint8Array[] } {
  const key = `${config.profile}/${config.checksum}/${config.limits.maximumPacketSize}/${config.limits.maximumWaitingData}/${config.compressor === true}/${startMs}`;
  let corpus = corpusCache.get(key);
  if (corpus === undefined) {
    corpus = recordCorpus(config, startMs);
    corpusCache.set(key, corpus);
  }
  return corpus;
}

type Source = 'legit' | 'stranger' | 'strangerPort';

type Action =
  | { kind: 'mutant'; target: Side; base: number; mutations: Mutation[]; seal: boolean; source: Source }
  | { kind: 'random'; target: Side; bytes: Uint8Array; seal: boolean; source: Source }
  | { kind: 'crafted'; target: Side; commands: WireCommand[]; sentTime: boolean; seal: boolean; mutations: Mutation[] }
  | { kind: 'service'; target: Side; advanceMs: number }
  | { kind: 'pump'; advanceMs: number }
  | { kind: 'send'; side: Side; channelID: number; flags: number; length: number }
  | { kind: 'disconnect'; side: Side; how: 'disconnect' | 'later' | 'now' | 'reset' };

const arbSide = fc.constantFrom('client' as const, 'server' as const);
const arbAdvance = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 50 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
);
const arbSource = fc.constantFrom('legit' as const, 'legit' as const, 'legit' as const, 'stranger' as const, 'strangerPort' as const);
const arbMutations = fc.array(arbMutation([0, 1, 2]), { minLength: 1, maxLength: 5 });
const arbSeal = fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
/** Commands a peer can meet on a connected session, fields biased to the channels and sequences in use. */
const arbCraftedCommand = arbWireCommand({ maxPayload: 300 }).map((command) => ({
  ...command,
  channelID: command.channelID & 0x83,
  reliableSequenceNumber: command.reliableSequenceNumber % 3 === 0 ? command.reliableSequenceNumber & 0x1f : command.reliableSequenceNumber,
}));

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({ kind: fc.constant('mutant' as const), target: arbSide, base: fc.nat(), mutations: arbMutations, seal: arbSeal, source: arbSource }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('random' as const),
      target: arbSide,
      bytes: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 4200 })),
      seal: arbSeal,
      source: arbSource,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('crafted' as const),
      target: arbSide,
      commands: fc.array(arbCraftedCommand, { minLength: 1, maxLength: 12 }),
      sentTime: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      seal: arbSeal,
      mutations: fc.array(arbMutation([0, 1, 2]), { maxLength: 2 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('service' as const), target: arbSide, advanceMs: arbAdvance }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pump' as const), advanceMs: arbAdvance }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      side: arbSide,
      channelID: fc.integer({ min: 0, max: 4 }),
      flags: fc.constantFrom(0, PacketFlag.reliable, PacketFlag.unsequenced, PacketFlag.unreliableFragment),
      length: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 12_000 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('disconnect' as const),
      side: arbSide,
      how: fc.constantFrom('disconnect' as const, 'later' as const, 'now' as const, 'reset' as const),
    }),
  },
);

/** The connectID the receiving host will seed its checksum with for this datagram's peer id. */
function receiverSeed(host: Host, bytes: Uint8Array): number {
  if (bytes.length < 2) return 0;
  const peerID = ((bytes[0]! << 8) | bytes[1]!) & 0x0fff;
  if (peerID === 0xfff || peerID >= host.peerCount) return 0;
  return host.peers[peerID]!.connectID;
}

function sourceAddress(target: Side, source: Source): WireAddress {
  if (source === 'legit') return sourceFor(target);
  if (source === 'stranger') return STRANGER_ADDRESS;
  const legit = sourceFor(target);
  return { host: legit.host, port: legit.port + 1 };
}

/** Feeds one datagram, sealing its checksum first when asked and the host checks them. */
function feed(pair: Pair, target: Side, bytes: Uint8Array, seal: boolean, source: WireAddress, oversizeFed: Record<Side, number>): void {
  const host = hostOf(pair, target);
  if (seal && host.checksumEnabled) sealChecksum(bytes, receiverSeed(host, bytes));
  if (bytes.length > MAX_PARSED_DATAGRAM_BYTES) oversizeFed[target]++;
  reached.datagramsFed++;
  host.handleDatagram(source, bytes);
}

/** A datagram from the legitimate remote's point of view: its header for this peer, then `commands`. */
function craftedDatagram(pair: Pair, target: Side, commands: WireCommand[], sentTime: boolean): Uint8Array {
  const sender = target === 'server' ? pair.client.peers[0]! : pair.server.peers.find((peer) => peer.state !== PeerState.STATE_DISCONNECTED);
  const peerID = sender?.outgoingPeerID ?? 0xfff;
  return assembleDatagram(
    {
      peerID,
      sessionID: peerID === 0xfff ? 0 : sender!.outgoingSessionID & 3,
      compressed: false,
      sentTime: sentTime ? pair.nowMs & 0xffff : null,
      checksum: pair.config.checksum ? 0 : null,
    },
    commands.map(encodeCommand),
  );
}

/**
 * What the fuzzing reached, summed over all cases; printed with FUZZ_STATS=1 so one can check that
 * the mutations get past the header checks into the command handlers and the limits.
 */
const reached = {
  cases: 0,
  datagramsFed: 0,
  dropped: {} as Record<string, number>,
  stopped: {} as Record<string, number>,
  events: {} as Record<string, number>,
  serviceErrors: 0,
  peerStates: {} as Record<string, number>,
  waitingDataAtLimit: 0,
  maxTotalWaitingData: 0,
  maxAcknowledgements: 0,
};

function addCounts(into: Record<string, number>, from: Partial<Record<string, number>>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + (value ?? 0);
}

function recordReach(pair: Pair): void {
  reached.cases++;
  for (const host of [pair.client, pair.server]) {
    addCounts(reached.dropped, host.droppedDatagrams);
    addCounts(reached.stopped, host.stoppedCommands);
  }
}

function notePeers(host: Host): void {
  for (const peer of host.peers) {
    reached.peerStates[peer.state] = (reached.peerStates[peer.state] ?? 0) + 1;
    if (peer.totalWaitingData >= host.maximumWaitingData) reached.waitingDataAtLimit++;
    reached.maxTotalWaitingData = Math.max(reached.maxTotalWaitingData, peer.totalWaitingData);
    reached.maxAcknowledgements = Math.max(reached.maxAcknowledgements, peer.acknowledgements.size());
  }
}

afterAll(() => {
  if (process.env['FUZZ_STATS']) console.log(JSON.stringify(reached, null, 1));
});

interface RunState {
  pair: Pair;
  corpus: { toServer: Uint8Array[]; toClient: Uint8Array[] };
  oversizeFed: Record<Side, number>;
  log: string[];
}

function checkService(state: RunState, target: Side, result: number, eventType: number, eventPeer: unknown, packetLength: number | null): void {
  const host = hostOf(state.pair, target);
  expect(SERVICE_RESULTS).toContain(result);
  if (result === -1) {
    // Only 1.3.17 reports an oversize datagram as an error, and only if one was fed.
    expect(host.profile).toBe('1.3.17');
    expect(state.oversizeFed[target]).toBeGreaterThan(0);
  }
  if (result === 1) {
    expect([EventType.EVENT_CONNECT, EventType.EVENT_DISCONNECT, EventType.EVENT_RECEIVE]).toContain(eventType);
    expect(host.peers).toContain(eventPeer);
    if (eventType === EventType.EVENT_RECEIVE) {
      expect(packetLength).not.toBeNull();
      expect(packetLength!).toBeLessThanOrEqual(host.maximumPacketSize);
    }
  } else {
    expect(eventType).toBe(EventType.EVENT_NONE);
  }
  if (host.profile === '1.3.18') expect(host.droppedDatagrams.oversize ?? 0).toBeLessThanOrEqual(state.oversizeFed[target]);
  for (const peer of host.peers) expect(peer.outgoingOtherCommands).toBe(queuedOtherCommands(peer));
}

/** Recounts what Peer.outgoingOtherCommands keeps, the bookkeeping behind the 1.3.17 walk's early stop. */
function queuedOtherCommands(peer: Host['peers'][number]): number {
  let count = 0;
  for (const queue of [peer.outgoingCommands, peer.outgoingSendReliableCommands]) {
    for (let node = queue.begin(); node !== queue.end(); node = node.next) {
      if (!(node as OutgoingCommand).waitsForReliableWindow) count++;
    }
  }
  return count;
}

function serviceOnce(state: RunState, target: Side): number {
  const host = hostOf(state.pair, target);
  const { result, event } = host.service(state.pair.nowMs);
  checkService(state, target, result, event.type, event.peer, event.packet?.data.length ?? null);
  if (result === -1) reached.serviceErrors++;
  if (result === 1) reached.events[event.type] = (reached.events[event.type] ?? 0) + 1;
  return result;
}

/** Applies one action; returns the sides whose last service call in it returned 0. */
function applyAction(state: RunState, action: Action): Side[] {
  const { pair } = state;
  switch (action.kind) {
    case 'mutant': {
      const bases = action.target === 'server' ? state.corpus.toServer : state.corpus.toClient;
      if (bases.length === 0) return [];
      const bytes = applyMutations(bases[action.base % bases.length]!, action.mutations, pair.config.checksum, bases);
      feed(pair, action.target, bytes, action.seal, sourceAddress(action.target, action.source), state.oversizeFed);
      return [];
    }
    case 'random':
      feed(pair, action.target, action.bytes.slice(), action.seal, sourceAddress(action.target, action.source), state.oversizeFed);
      return [];
    case 'crafted': {
      const bytes = applyMutations(craftedDatagram(pair, action.target, action.commands, action.sentTime), action.mutations, pair.config.checksum, []);
      feed(pair, action.target, bytes, action.seal, sourceFor(action.target), state.oversizeFed);
      return [];
    }
    case 'service': {
      pair.nowMs = (pair.nowMs + action.advanceMs) >>> 0;
      const result = serviceOnce(state, action.target);
      collect(pair);
      return result === 0 ? [action.target] : [];
    }
    case 'pump': {
      collect(pair);
      const deliveries = pair.inFlight;
      pair.inFlight = [];
      for (const { to, data } of deliveries) hostOf(pair, to).handleDatagram(sourceFor(to), data);
      pair.nowMs = (pair.nowMs + action.advanceMs) >>> 0;
      const idle: Side[] = [];
      for (const side of ['client', 'server'] as const) {
        for (let call = 0; call < 64; call++) {
          const result = serviceOnce(state, side);
          if (result !== 1) {
            if (result === 0) idle.push(side);
            break;
          }
        }
      }
      collect(pair);
      return idle;
    }
    case 'send': {
      const host = hostOf(pair, action.side);
      const peer = host.peers.find((candidate) => candidate.state === PeerState.STATE_CONNECTED);
      if (peer !== undefined) {
        const result = peer.send(action.channelID, new Packet(new Uint8Array(action.length).fill(0x5a), action.flags));
        if (action.channelID >= peer.channelCount) expect(result).toEqual({ ok: false, reason: 'badChannel' });
        else if (action.length > host.maximumPacketSize) expect(result).toEqual({ ok: false, reason: 'tooLarge' });
        else expect(result).toEqual({ ok: true });
      }
      return [];
    }
    case 'disconnect': {
      const host = hostOf(pair, action.side);
      const peer = host.peers.find((candidate) => candidate.state !== PeerState.STATE_DISCONNECTED);
      if (peer === undefined) return [];
      if (action.how === 'disconnect') peer.disconnect(3, pair.nowMs);
      else if (action.how === 'later') peer.disconnectLater(4, pair.nowMs);
      else if (action.how === 'now') peer.disconnectNow(5, pair.nowMs);
      else peer.reset();
      collect(pair);
      return [];
    }
  }
}

function describeAction(action: Action): string {
  return JSON.stringify(action, (_key, value: unknown) => (value instanceof Uint8Array ? `bytes[${value.length}]:${Buffer.from(value).toString('hex')}` : value));
}

/** Runs the script to `phase`, then the actions, checking both hosts' invariants after each step. */
function runCase(config: FuzzConfig, startMs: number, phase: Phase, actions: readonly Action[]): void {
  const pair = createPair(config, startMs);
  runScript(pair, phase);
  const state: RunState = { pair, corpus: corpusFor(config, startMs), oversizeFed: { client: 0, server: 0 }, log: [] };
  expect(hostInvariantViolations('client', pair.client, { afterIdleService: false })).toEqual([]);
  expect(hostInvariantViolations('server', pair.server, { afterIdleService: false })).toEqual([]);
  for (const [step, action] of actions.entries()) {
    let idleSides: Side[];
    try {
      idleSides = applyAction(state, action);
    } catch (error) {
      throw new Error(`step ${step} ${describeAction(action)} threw: ${(error as Error).stack ?? String(error)}`);
    }
    for (const side of ['client', 'server'] as const) {
      notePeers(hostOf(pair, side));
      const violations = hostInvariantViolations(side, hostOf(pair, side), { afterIdleService: idleSides.includes(side) });
      if (violations.length > 0) throw new Error(`after step ${step} ${describeAction(action)}:\n${violations.join('\n')}`);
    }
  }
  recordReach(pair);
}

describe('Host under hostile datagrams', () => {
  it('host: arbitrary datagrams of 0..4200 bytes never make service() throw or leave the bounds', () => {
    fc.assert(
      fc.property(
        arbConfig,
        fc.constantFrom(...START_TIMES),
        fc.constantFrom<Phase>('connecting', 'connected'),
        fc.array(
          fc.oneof(
            { weight: 3, arbitrary: fc.record({ kind: fc.constant('random' as const), target: arbSide, bytes: fc.uint8Array({ maxLength: 4200 }), seal: arbSeal, source: arbSource }) },
            { weight: 2, arbitrary: fc.record({ kind: fc.constant('service' as const), target: arbSide, advanceMs: arbAdvance }) },
          ),
          { minLength: 1, maxLength: 12 },
        ),
        (config, startMs, phase, actions) => runCase(config, startMs, phase, actions),
      ),
      fuzzParameters(HOST_RUNS.arbitraryBytes, 11),
    );
  }, fuzzTimeoutMs());

  it('host: mutated datagrams of a real exchange, interleaved with service calls, keep every invariant', () => {
    fc.assert(
      fc.property(
        arbConfig,
        fc.constantFrom(...START_TIMES),
        fc.constantFrom<Phase>(...PHASES),
        fc.array(arbAction, { minLength: 1, maxLength: 24 }),
        (config, startMs, phase, actions) => runCase(config, startMs, phase, actions),
      ),
      fuzzParameters(HOST_RUNS.mutatedExchange, 12),
    );
  }, fuzzTimeoutMs());

  it('host: crafted commands on a live session (valid header, session and checksum) keep every invariant', () => {
    fc.assert(
      fc.property(
        arbConfig,
        fc.constantFrom<Phase>('connected', 'trafficInFlight', 'trafficDone'),
        fc.array(
          fc.oneof(
            { weight: 5, arbitrary: arbAction.filter((action) => action.kind === 'crafted') },
            { weight: 2, arbitrary: fc.record({ kind: fc.constant('service' as const), target: arbSide, advanceMs: arbAdvance }) },
            { weight: 1, arbitrary: fc.record({ kind: fc.constant('pump' as const), advanceMs: arbAdvance }) },
          ),
          { minLength: 1, maxLength: 24 },
        ),
        (config, phase, actions) => runCase(config, START_TIMES[0], phase, actions),
      ),
      fuzzParameters(HOST_RUNS.craftedCommands, 13),
    );
  }, fuzzTimeoutMs());

  it('host: the recorded exchange itself connects, delivers and disconnects in every configuration', () => {
    // Guards the fuzz corpus: if the script stopped producing traffic the mutations would test little.
    for (const profile of ['1.3.17', '1.3.18'] as const) {
      for (const checksum of [false, true]) {
        for (const startMs of START_TIMES) {
          const pair = createPair({ profile, checksum, limits: SMALL_LIMITS }, startMs);
          runScript(pair, 'trafficDone');
          expect(pair.client.peers[0]!.state).toBe(PeerState.STATE_CONNECTED);
          expect(pair.server.peers.filter((peer) => peer.state === PeerState.STATE_CONNECTED)).toHaveLength(1);
          const corpus = corpusFor({ profile, checksum, limits: SMALL_LIMITS }, startMs);
          // Handshake, data of every kind and its acknowledgements both ways, then the disconnect.
          expect(corpus.toServer.length).toBeGreaterThanOrEqual(8);
          expect(corpus.toClient.length).toBeGreaterThanOrEqual(6);
          const commandNumbers = new Set<number>();
          for (const bytes of [...corpus.toServer, ...corpus.toClient]) {
            for (const [start] of commandSpans(bytes, parsedHeaderSize(bytes, checksum)!)) commandNumbers.add(bytes[start]! & 0x0f);
          }
          // Every command but BANDWIDTH_LIMIT (no bandwidth limits are set) appears in the corpus.
          expect([...commandNumbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]);
        }
      }
    }
  });
});
