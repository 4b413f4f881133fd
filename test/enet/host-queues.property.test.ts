// Exact queue sizes under floods of hand-made commands on a live session: the bounds of
// test/support/fuzz-bounds.ts are reached where they are tight, and where ENet has none, the tests
// pin down what it does instead (the numbers are libenet's: the port follows its code).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventType } from '../../src/enet/events.js';
import type { IncomingCommand } from '../../src/enet/peer.js';
import {
  MAX_FRAGMENT_BITMAP_BYTES,
  MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL,
  maxTotalWaitingDataBytes,
} from '../support/fuzz-bounds.js';
import { DEFAULT_LIMITS, TINY_LIMITS, connectedPair, feedServer, type FuzzConfig, type Limits } from '../support/fuzz-exchange.js';
import { fuzzParameters, fuzzTimeoutMs } from '../support/fuzz-seed.js';
import { CMD, commandSpans, encodeCommand, getU16, parsedHeaderSize } from '../support/fuzz-wire.js';

/** Runs per property (each case sends up to ~90 000 commands). */
const QUEUE_RUNS = { reliableFlood: 24, fragmentJump: 12, zeroLengthUnreliable: 12, fragmentBitmap: 200, pingBurst: 150, waitingData: 300 } as const;

const arbProfile = fc.constantFrom('1.3.17' as const, '1.3.18' as const);

function config(profile: FuzzConfig['profile'], checksum: boolean, limits: Limits = DEFAULT_LIMITS): FuzzConfig {
  return { profile, checksum, limits };
}

const reliable = (channelID: number, sequence: number, payload = new Uint8Array(0)): Uint8Array =>
  encodeCommand({ number: CMD.sendReliable, highBits: 0x80, channelID, reliableSequenceNumber: sequence & 0xffff, fields: {}, payload });

function fragment(
  number: typeof CMD.sendFragment | typeof CMD.sendUnreliableFragment,
  channelID: number,
  headerSequence: number,
  fields: { startSequenceNumber: number; fragmentCount: number; fragmentNumber: number; totalLength: number; fragmentOffset: number },
  payload: Uint8Array,
): Uint8Array {
  return encodeCommand({
    number,
    highBits: number === CMD.sendFragment ? 0x80 : 0,
    channelID,
    reliableSequenceNumber: headerSequence & 0xffff,
    fields,
    payload,
  });
}

/** ACK commands for `channelID` in the datagrams a host sent (host checksum setting `checksum`). */
function acknowledgementsIn(sent: readonly Uint8Array[], checksum: boolean, channelID: number): number {
  let count = 0;
  for (const bytes of sent) {
    for (const [start] of commandSpans(bytes, parsedHeaderSize(bytes, checksum)!)) {
      if ((bytes[start]! & 0x0f) === CMD.acknowledge && bytes[start + 1] === channelID) count++;
    }
  }
  return count;
}

describe('incoming queues under floods', () => {
  it('reliable window: a fresh channel queues exactly the distinct sequences 2..28 671 it is sent, and ACKs all but windows 7–8', () => {
    fc.assert(
      fc.property(
        arbProfile,
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0xffff }),
        // The whole sequence space in order, or a scattered sample: the insertion walk is linear in
        // the queue length (as in libenet), so scattered orders are kept short to bound the run time.
        fc.oneof(
          fc.constant({ stride: 1, count: 65536 }),
          fc.record({ stride: fc.integer({ min: 0, max: 0x7fff }).map((half) => half * 2 + 1), count: fc.integer({ min: 1, max: 6000 }) }),
        ),
        (profile, checksum, channelID, start, { stride, count }) => {
          const pair = connectedPair(config(profile, checksum));
          // An odd stride visits distinct sequence numbers; 1 is left out so nothing is delivered.
          const sequences = Array.from({ length: count }, (_, index) => (start + index * stride) & 0xffff).filter((sequence) => sequence !== 1);
          const { events, sent } = feedServer(pair, sequences.map((sequence) => reliable(channelID, sequence)));
          const channel = pair.server.peers[0]!.channels[channelID]!;
          const queued = sequences.filter((sequence) => sequence >= 2 && sequence <= 28_671).length;
          expect(channel.incomingReliableCommands.size()).toBe(queued);
          expect(channel.incomingReliableCommands.size()).toBeLessThanOrEqual(MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL);
          expect(channel.incomingReliableSequenceNumber).toBe(0);
          expect(events[EventType.EVENT_RECEIVE] ?? 0).toBe(0);
          // Commands 7 or 8 windows ahead (28 672..36 863) are neither queued nor acknowledged.
          expect(acknowledgementsIn(sent, checksum, channelID)).toBe(sequences.filter((sequence) => sequence < 28_672 || sequence >= 36_864).length);
          expect(pair.server.peers[0]!.acknowledgements.size()).toBe(0);
        },
      ),
      fuzzParameters(QUEUE_RUNS.reliableFlood, 21),
    );
  }, fuzzTimeoutMs());

  it('reliable window: a completed fragment that jumps the channel sequence strands the commands it skipped, beyond 28 671 per channel', () => {
    fc.assert(
      fc.property(
        arbProfile,
        fc.boolean(),
        // Up to 1 500 here; the largest jump (28 672) runs as the explicit example below. After the
        // jump every new command walks past all stranded ones (quadratic, as in libenet), so the large
        // case costs seconds.
        fc.integer({ min: 2, max: 1500 }),
        (profile, checksum, fragmentCount) => {
          const pair = connectedPair(config(profile, checksum));
          const channel = pair.server.peers[0]!.channels[0]!;
          // Queue 2..p, all inside the range the fragment's sequence numbers cover (1..fragmentCount).
          // The fragmented packet at sequence 1: fragmentCount one-byte fragments of a fragmentCount-byte
          // packet. All but the last arrive first (sequence 1 then heads the queue, so the ascending
          // prefill below is appended in O(1) rather than walked past).
          const fragments: Uint8Array[] = [];
          for (let index = 0; index < fragmentCount; index++) {
            fragments.push(
              fragment(
                CMD.sendFragment,
                0,
                1 + index,
                { startSequenceNumber: 1, fragmentCount, fragmentNumber: index, totalLength: fragmentCount, fragmentOffset: index },
                Uint8Array.of(index & 0xff),
              ),
            );
          }
          expect(feedServer(pair, fragments.slice(0, -1)).events[EventType.EVENT_RECEIVE] ?? 0).toBe(0);
          // Queue 2..p, all inside the range the fragment's sequence numbers cover (1..fragmentCount).
          const lastPrefilled = Math.min(fragmentCount - 1, 28_671);
          const prefill: Uint8Array[] = [];
          for (let sequence = 2; sequence <= lastPrefilled; sequence++) prefill.push(reliable(0, sequence));
          feedServer(pair, prefill);
          const stranded = Math.max(0, lastPrefilled - 1);
          expect(channel.incomingReliableCommands.size()).toBe(stranded + 1);
          const delivered = feedServer(pair, fragments.slice(-1));
          expect(delivered.events[EventType.EVENT_RECEIVE]).toBe(1);
          // The channel is now at sequence fragmentCount; 2..p were skipped over but stay queued.
          expect(channel.incomingReliableSequenceNumber).toBe(fragmentCount);
          expect(channel.incomingReliableCommands.size()).toBe(stranded);
          // Fill the new 7 windows (all but the next sequence, so nothing is delivered yet).
          const end = (Math.floor(fragmentCount / 4096) + 7) * 4096 - 1;
          const ahead: Uint8Array[] = [];
          for (let sequence = fragmentCount + 2; sequence <= end; sequence++) ahead.push(reliable(0, sequence));
          feedServer(pair, ahead);
          expect(channel.incomingReliableCommands.size()).toBe(stranded + ahead.length);
          if (fragmentCount === 28_672) {
            // The documented example: 28 670 stranded + 28 670 ahead.
            expect(channel.incomingReliableCommands.size()).toBe(57_340);
            expect(channel.incomingReliableCommands.size()).toBeGreaterThan(MAX_RELIABLE_COMMANDS_AHEAD_PER_CHANNEL);
          }
          // The next sequence releases everything ahead; the stranded commands stay.
          const released = feedServer(pair, [reliable(0, fragmentCount + 1)]);
          expect(released.events[EventType.EVENT_RECEIVE]).toBe(1 + ahead.length);
          expect(channel.incomingReliableCommands.size()).toBe(stranded);
          expect(channel.incomingReliableSequenceNumber).toBe(end);
          expect(pair.server.peers[0]!.totalWaitingData).toBe(0);
        },
      ),
      { ...fuzzParameters(QUEUE_RUNS.fragmentJump, 22), examples: [['1.3.18', false, 28_672]] },
    );
  }, fuzzTimeoutMs());

  it('unreliable queue: zero-length SEND_UNRELIABLE for a future reliable sequence queue without limit from maximumWaitingData, and all go once it arrives', () => {
    fc.assert(
      fc.property(
        arbProfile,
        fc.boolean(),
        fc.integer({ min: 1, max: 1500 }),
        fc.integer({ min: 1, max: 20_000 }),
        (profile, checksum, futureSequence, count) => {
          const pair = connectedPair(config(profile, checksum, TINY_LIMITS));
          const peer = pair.server.peers[0]!;
          const channel = peer.channels[1]!;
          const unreliable: Uint8Array[] = [];
          for (let index = 1; index <= count; index++) {
            unreliable.push(
              encodeCommand({
                number: CMD.sendUnreliable,
                highBits: 0,
                channelID: 1,
                reliableSequenceNumber: futureSequence,
                fields: { unreliableSequenceNumber: index },
                payload: new Uint8Array(0),
              }),
            );
          }
          const first = feedServer(pair, unreliable);
          expect(first.events[EventType.EVENT_RECEIVE] ?? 0).toBe(0);
          // Every one is held (8 wire bytes each), and none counts against maximumWaitingData (4 KiB here).
          expect(channel.incomingUnreliableCommands.size()).toBe(count);
          expect(peer.totalWaitingData).toBe(0);
          // Delivering reliable 1..futureSequence releases them all, in order, after the reliable ones.
          const reliables: Uint8Array[] = [];
          for (let sequence = 1; sequence <= futureSequence; sequence++) reliables.push(reliable(1, sequence));
          const second = feedServer(pair, reliables);
          expect(second.events[EventType.EVENT_RECEIVE]).toBe(futureSequence + count);
          expect(channel.incomingUnreliableCommands.size()).toBe(0);
          expect(channel.incomingUnreliableSequenceNumber).toBe(count);
        },
      ),
      fuzzParameters(QUEUE_RUNS.zeroLengthUnreliable, 23),
    );
  }, fuzzTimeoutMs());

  it('fragments: one 25-byte fragment with totalLength 1 holds a bitmap of 4 × ⌈fragmentCount / 32⌉ bytes, uncounted (1.3.18 refuses it for SEND_FRAGMENT only)', () => {
    fc.assert(
      fc.property(
        arbProfile,
        fc.boolean(),
        fc.constantFrom(CMD.sendFragment, CMD.sendUnreliableFragment),
        fc.oneof(fc.constant(1024 * 1024), fc.integer({ min: 2, max: 1024 * 1024 })),
        (profile, checksum, number, fragmentCount) => {
          const pair = connectedPair(config(profile, checksum));
          const peer = pair.server.peers[0]!;
          const channel = peer.channels[2]!;
          const refusedBefore = pair.server.stoppedCommands.commandRefused ?? 0;
          feedServer(pair, [
            fragment(number, 2, number === CMD.sendFragment ? 1 : 0, { startSequenceNumber: 1, fragmentCount, fragmentNumber: 0, totalLength: 1, fragmentOffset: 0 }, Uint8Array.of(7)),
          ]);
          const queue = number === CMD.sendFragment ? channel.incomingReliableCommands : channel.incomingUnreliableCommands;
          if (profile === '1.3.18' && number === CMD.sendFragment) {
            expect(pair.server.stoppedCommands.commandRefused).toBe(refusedBefore + 1);
            expect(queue.size()).toBe(0);
            expect(peer.totalWaitingData).toBe(0);
            return;
          }
          expect(queue.size()).toBe(1);
          const held = queue.front() as IncomingCommand;
          expect(held.fragments!.byteLength).toBe(4 * Math.ceil(fragmentCount / 32));
          expect(held.fragments!.byteLength).toBeLessThanOrEqual(MAX_FRAGMENT_BITMAP_BYTES);
          expect(held.fragmentsRemaining).toBe(fragmentCount - 1);
          expect(peer.totalWaitingData).toBe(1);
        },
      ),
      fuzzParameters(QUEUE_RUNS.fragmentBitmap, 24),
    );
  }, fuzzTimeoutMs());

  it('acknowledgements: a datagram of N PINGs makes the server owe N ACKs, all sent in the same service call in ⌈N / 32⌉ datagrams', () => {
    fc.assert(
      fc.property(arbProfile, fc.boolean(), fc.integer({ min: 1, max: 1023 }), (profile, checksum, requested) => {
        const pair = connectedPair(config(profile, checksum));
        // 4-byte header (+4 checksum) + 4 bytes per PING ≤ 4096.
        const pings = Math.min(requested, Math.floor((4096 - 4 - (checksum ? 4 : 0)) / 4));
        const ping = encodeCommand({ number: CMD.ping, highBits: 0x80, channelID: 0xff, reliableSequenceNumber: 0, fields: {}, payload: null });
        const sequenced = Array.from({ length: pings }, (_, index) => {
          const bytes = ping.slice();
          bytes[2] = ((100 + index) >>> 8) & 0xff;
          bytes[3] = (100 + index) & 0xff;
          return bytes;
        });
        const { sent, results } = feedServer(pair, sequenced);
        expect(results.at(-1)).toBe(0);
        expect(pair.server.peers[0]!.acknowledgements.size()).toBe(0);
        const withAcks = sent.filter((bytes) => acknowledgementsIn([bytes], checksum, 0xff) > 0);
        expect(acknowledgementsIn(sent, checksum, 0xff)).toBe(pings);
        expect(withAcks).toHaveLength(Math.ceil(pings / 32));
        for (const bytes of sent) expect(commandSpans(bytes, parsedHeaderSize(bytes, checksum)!).length).toBeLessThanOrEqual(32);
        // Each ACK echoes its PING's sequence number.
        const acked = new Set<number>();
        for (const bytes of sent) {
          for (const [start] of commandSpans(bytes, parsedHeaderSize(bytes, checksum)!)) {
            if ((bytes[start]! & 0x0f) === CMD.acknowledge) acked.add(getU16(bytes, start + 4));
          }
        }
        expect(acked.size).toBe(pings);
      }),
      fuzzParameters(QUEUE_RUNS.pingBurst, 25),
    );
  }, fuzzTimeoutMs());

  it('waiting data: totalWaitingData reaches exactly maximumWaitingData − 1 + maximumPacketSize, then every data command is refused', () => {
    fc.assert(
      fc.property(
        arbProfile,
        fc.boolean(),
        fc.integer({ min: 3, max: 70_000 }),
        fc.integer({ min: 2, max: 70_000 }),
        (profile, checksum, maximumWaitingData, packetExtra) => {
          // The first buffer (maximumWaitingData − 1 bytes) must itself be an acceptable packet size.
          const maximumPacketSize = Math.max(maximumWaitingData - 1, packetExtra);
          const pair = connectedPair(config(profile, checksum, { maximumPacketSize, maximumWaitingData }));
          const peer = pair.server.peers[0]!;
          const channel = peer.channels[0]!;
          const firstFragment = (startSequenceNumber: number, totalLength: number): Uint8Array =>
            fragment(CMD.sendFragment, 0, startSequenceNumber, { startSequenceNumber, fragmentCount: 2, fragmentNumber: 0, totalLength, fragmentOffset: 0 }, Uint8Array.of(1));
          // Two incomplete packets: one just under the limit, then one of the largest size allowed.
          feedServer(pair, [firstFragment(1, maximumWaitingData - 1)]);
          expect(peer.totalWaitingData).toBe(maximumWaitingData - 1);
          feedServer(pair, [firstFragment(3, maximumPacketSize)]);
          expect(peer.totalWaitingData).toBe(maxTotalWaitingDataBytes(maximumWaitingData, maximumPacketSize));
          expect(channel.incomingReliableCommands.size()).toBe(2);
          // Now over the limit: a one-byte reliable packet is refused and nothing is queued or acknowledged.
          const refusedBefore = pair.server.stoppedCommands.commandRefused ?? 0;
          const { sent } = feedServer(pair, [reliable(0, 5, Uint8Array.of(9))]);
          expect(pair.server.stoppedCommands.commandRefused).toBe(refusedBefore + 1);
          expect(channel.incomingReliableCommands.size()).toBe(2);
          expect(peer.totalWaitingData).toBe(maxTotalWaitingDataBytes(maximumWaitingData, maximumPacketSize));
          expect(acknowledgementsIn(sent, checksum, 0)).toBe(0);
        },
      ),
      fuzzParameters(QUEUE_RUNS.waitingData, 26),
    );
  }, fuzzTimeoutMs());
});
