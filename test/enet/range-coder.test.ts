// ENet's range coder (src/enet/range-coder.ts): round-trip and robustness properties, golden vectors
// pinned from libenet 1.3.17, a byte-for-byte differential against libenet's enet_range_coder_* on a
// seeded corpus of 1000 datagrams, and compression switched on through the core's host.compress.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER_FLAG_COMPRESSED, HEADER_FLAG_SENT_TIME, PacketFlag, PeerState } from '../../src/enet/constants.js';
import { EventType } from '../../src/enet/events.js';
import { Host } from '../../src/enet/host.js';
import { Packet } from '../../src/enet/peer.js';
import { RANGE_CODER_SYMBOL_POOL_SIZE, RangeCoder } from '../../src/enet/range-coder.js';
import { RandomStream } from '../../src/sim/random.js';
import {
  CLIENT_ADDRESS,
  CLIENT_SEED,
  SERVER_ADDRESS,
  bytesOf,
  destroyAll,
  hex,
  hostConfig,
  renderTrace,
  runPair,
  type Implementation,
} from '../support/conformance-kit.js';
import type { HostLike } from '../support/host-like.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import { runLockstep, type LockstepTick } from '../support/lockstep.js';
import { fuzzParameters, fuzzTimeoutMs } from '../support/fuzz-seed.js';
import { createTsHost } from '../support/ts-host.js';

/** Datagrams in the differential corpus. */
const CORPUS_SIZE = 1000;
/** The receiver's decompression limit for a 4-byte header (ENET_PROTOCOL_MAXIMUM_MTU − header). */
const RECEIVE_LIMIT_BYTES = 4096 - 4;
/** fast-check runs per property; 2000 + 2000 + 1000 + 500 = 5500 cases in this file. */
const RUNS = { roundTrip: 2000, decompressAnyBytes: 2000, limit: 1000, splitting: 500 } as const;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** A generous output limit: the coder expands incompressible input by a few percent at most. */
function roomyLimit(lengthBytes: number): number {
  return lengthBytes * 2 + 64;
}

function hexOrNull(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : hex(bytes);
}

// ---- the corpus ------------------------------------------------------------------------------------

interface CorpusEntry {
  kind: string;
  parts: Uint8Array[];
}

function integerBelow(stream: RandomStream, bound: number): number {
  return Math.floor(stream.nextUnit() * bound);
}

function randomBytes(stream: RandomStream, lengthBytes: number): Uint8Array {
  const bytes = new Uint8Array(lengthBytes);
  for (let index = 0; index < lengthBytes; index++) bytes[index] = stream.nextU32() & 0xff;
  return bytes;
}

/** Splits into 1–5 non-empty buffers at random cut points (libenet reads past empty ones). */
function split(stream: RandomStream, whole: Uint8Array): Uint8Array[] {
  const partCount = Math.min(whole.length, 1 + integerBelow(stream, 5));
  const cuts = new Set<number>();
  while (cuts.size < partCount - 1) cuts.add(1 + integerBelow(stream, whole.length - 1));
  const sorted = [0, ...[...cuts].sort((a, b) => a - b), whole.length];
  return sorted.slice(1).map((end, index) => whole.subarray(sorted[index], end));
}

/** Payloads that look like what games send: text, float state, counters, noise, blank buffers. */
function gamePayload(stream: RandomStream, sequence: number): Uint8Array {
  const lengthBytes = 1 + integerBelow(stream, stream.nextUnit() < 0.2 ? 3000 : 300);
  switch (integerBelow(stream, 5)) {
    case 0: {
      const text = JSON.stringify({ seq: sequence, player: `p${sequence % 7}`, hp: 100 - (sequence % 50), pos: [sequence * 3, 17, -4] });
      return new TextEncoder().encode(text.repeat(Math.ceil(lengthBytes / text.length)).slice(0, lengthBytes));
    }
    case 1: {
      const floats = new Float32Array(Math.ceil(lengthBytes / 4));
      for (let index = 0; index < floats.length; index++) floats[index] = index * 0.25 + sequence * 0.01;
      return new Uint8Array(floats.buffer, 0, lengthBytes);
    }
    case 2:
      return Uint8Array.from({ length: lengthBytes }, (_, index) => (index + sequence) & 0xff);
    case 3:
      return randomBytes(stream, lengthBytes);
    default:
      return new Uint8Array(lengthBytes);
  }
}

/**
 * Command bytes (everything after the 2- or 4-byte header) of datagrams two TypeScript hosts exchange
 * while connecting and sending assorted packets: what ENet really hands its compressor.
 */
function enetDatagramBodies(stream: RandomStream, count: number): Uint8Array[] {
  const client = new Host({ address: CLIENT_ADDRESS, peerCount: 1, randomSeed: CLIENT_SEED, profile: '1.3.17' });
  const server = new Host({ address: SERVER_ADDRESS, peerCount: 4, randomSeed: 0x1234, profile: '1.3.17' });
  client.connect(SERVER_ADDRESS, 4, 42);
  const bodies: Uint8Array[] = [];
  const maxSteps = 20 * count;
  for (let step = 0; step < maxSteps && bodies.length < count; step++) {
    const nowMs = 1000 + step * 5;
    for (const [host, peerIndex] of [[client, 0], [server, 0]] as const) {
      const peer = host.peers[peerIndex]!;
      if (peer.state !== PeerState.STATE_CONNECTED || stream.nextUnit() > 0.6) continue;
      const flags = [PacketFlag.reliable, 0, PacketFlag.unsequenced][integerBelow(stream, 3)]!;
      host.send(peerIndex, integerBelow(stream, 4), new Packet(gamePayload(stream, step), flags));
    }
    exchange(client, server, nowMs, bodies);
  }
  if (bodies.length < count) throw new Error(`collected only ${bodies.length} of ${count} datagrams`);
  return bodies.slice(0, count);
}

function exchange(client: Host, server: Host, nowMs: number, bodies: Uint8Array[]): void {
  for (const [from, to] of [[client, server], [server, client]] as const) {
    for (let calls = 0; calls < 100 && from.service(nowMs).result > 0; calls++);
    for (const datagram of from.pollDatagrams()) {
      const headerBytes = ((datagram.data[0]! << 8) & HEADER_FLAG_SENT_TIME) !== 0 ? 4 : 2;
      if (datagram.data.length > headerBytes) bodies.push(datagram.data.slice(headerBytes));
      to.handleDatagram(from.address, datagram.data);
    }
  }
}

/** 1000 seeded inputs: real ENet datagrams, noise, repetition, zeros, 1–4 byte scraps, up to 4096 bytes. */
function buildCorpus(seed: string): CorpusEntry[] {
  const root = RandomStream.root(seed);
  const wholes: { kind: string; bytes: Uint8Array }[] = [];
  for (const body of enetDatagramBodies(root.fork('enet'), 400)) wholes.push({ kind: 'enet datagram', bytes: body });
  const shapes = root.fork('shapes');
  const add = (kind: string, count: number, make: () => Uint8Array): void => {
    for (let index = 0; index < count; index++) wholes.push({ kind, bytes: make() });
  };
  add('random bytes', 150, () => randomBytes(shapes, 1 + integerBelow(shapes, 4096)));
  add('repetitive bytes', 150, () => {
    const pattern = randomBytes(shapes, 1 + integerBelow(shapes, 12));
    const bytes = new Uint8Array(1 + integerBelow(shapes, 4096));
    for (let index = 0; index < bytes.length; index++) bytes[index] = pattern[index % pattern.length]!;
    if (shapes.nextUnit() < 0.5) for (let flip = 0; flip < 8; flip++) bytes[integerBelow(shapes, bytes.length)] = shapes.nextU32() & 0xff;
    return bytes;
  });
  add('all zero', 100, () => new Uint8Array(1 + integerBelow(shapes, 4096)));
  add('tiny', 100, () => randomBytes(shapes, 1 + integerBelow(shapes, 4)));
  add('small alphabet', 100, () => {
    const alphabetSize = 2 + integerBelow(shapes, 30);
    return Uint8Array.from({ length: 1 + integerBelow(shapes, 4096) }, () => 0x40 + integerBelow(shapes, alphabetSize));
  });
  const splits = root.fork('splits');
  return wholes.map(({ kind, bytes }) => ({ kind, parts: split(splits, bytes) }));
}

// ---- TypeScript-only properties ------------------------------------------------------------------

const arbInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4096 }),
  fc.uint8Array({ minLength: 1, maxLength: 6 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4096 }))
    .map(([pattern, lengthBytes]) => Uint8Array.from({ length: lengthBytes }, (_, index) => pattern[index % pattern.length]!)),
  fc
    .tuple(fc.integer({ min: 1, max: 16 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4096 }))
    .map(([alphabetSize, picks]) => Uint8Array.from(picks, (pick) => 97 + (pick % alphabetSize))),
);

/** Cut points turning one input into several non-empty buffers. */
const arbSplit = (input: Uint8Array): fc.Arbitrary<Uint8Array[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, input.length - 1) }), { maxLength: 4 }).map((cuts) => {
    const points = [0, ...cuts.filter((cut) => cut < input.length).sort((a, b) => a - b), input.length];
    return points.slice(1).map((end, index) => input.subarray(points[index], end));
  });

describe('range coder', () => {
  const coder = new RangeCoder();

  it(
    'decompress(compress(x)) is x for any input split into any buffers',
    () => {
      fc.assert(
        fc.property(arbInput.chain((input) => arbSplit(input).map((parts) => ({ input, parts }))), ({ input, parts }) => {
          const compressed = coder.compress(parts, input.length, roomyLimit(input.length));
          expect(compressed).not.toBeNull();
          expect(hex(coder.decompress(compressed!, input.length)!)).toBe(hex(input));
        }),
        fuzzParameters(RUNS.roundTrip, 701),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    'decompress never throws on any bytes and never returns more than the limit',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 2048 }), fc.integer({ min: 0, max: 5000 }), (input, limitBytes) => {
          const output = coder.decompress(input, limitBytes);
          if (output !== null) {
            expect(output.length).toBeGreaterThan(0);
            expect(output.length).toBeLessThanOrEqual(limitBytes);
          }
        }),
        fuzzParameters(RUNS.decompressAnyBytes, 702),
      );
    },
    fuzzTimeoutMs(),
  );

  it('the output limit only decides failure: compress gives the unlimited output when it fits, else null', () => {
    fc.assert(
      fc.property(arbInput, fc.integer({ min: 0, max: 4200 }), (input, limitBytes) => {
        const unlimited = coder.compress([input], input.length, roomyLimit(input.length))!;
        const limited = coder.compress([input], input.length, limitBytes);
        expect(hexOrNull(limited)).toBe(unlimited.length <= limitBytes ? hex(unlimited) : null);
      }),
      fuzzParameters(RUNS.limit, 703),
    );
  });

  it('how the input is split into buffers does not change the output', () => {
    fc.assert(
      fc.property(arbInput.chain((input) => arbSplit(input).map((parts) => ({ input, parts }))), ({ input, parts }) => {
        expect(hexOrNull(coder.compress(parts, input.length, 8192))).toBe(hexOrNull(coder.compress([input], input.length, 8192)));
      }),
      fuzzParameters(RUNS.splitting, 704),
    );
  });

  it('golden vectors: output pinned from libenet 1.3.17', () => {
    const text = new TextEncoder().encode('ENet ENet ENet: reliable UDP, reliable UDP, reliable UDP');
    expect(hex(coder.compress([text], text.length, 4096)!)).toBe('460b19b07cb1f359dfaa6486db4fb78b64fa6dc356bb33a165f3f4eb7466fa');
    // The CONNECT command of docs/enet-reference.md §2.2 (48 bytes, in two buffers as ENet passes it).
    const connect = bytesOf(
      '82 ff 00 01 | 00 00 ff ff 00 00 05 78 00 01 00 00 00 00 00 02 00 00 00 00 00 00 00 00 00 00 13 88 00 00 00 02 00 00 00 02 24 e6 49 8c 00 00 00 2a',
    );
    const connectCompressed = coder.compress([connect.subarray(0, 4), connect.subarray(4)], 48, 48)!;
    expect(hex(connectCompressed)).toBe('837b88b1fdf1df576b999b36fcbb243e8a642656d33a0921d6ec3f4b37ee31');
    expect(hex(coder.decompress(connectCompressed, RECEIVE_LIMIT_BYTES)!)).toBe(hex(connect));
    expect(hex(coder.compress([new Uint8Array(64)], 64, 4096)!)).toBe('0103e85a2adc44');
    expect(hex(coder.compress([Uint8Array.of(0x41)], 1, 4096)!)).toBe('41be41be');
    // Garbage whose decoding reads a code wider than 16 bits, which C truncates into its uint16.
    expect(hex(coder.decompress(bytesOf('8932ebf189160a06ae96219c5fc843003e4f42be32'), RECEIVE_LIMIT_BYTES)!)).toBe(
      '88bb0f4a99d08b5719c5c8b3f71a88a68dde88864700',
    );
    expect(coder.decompress(bytesOf('deadbeef'), 16)).toBeNull();
  });

  it('returns null where libenet returns 0: no buffers, no input length, output over the limit, empty input', () => {
    const input = new TextEncoder().encode('abcabcabcabc');
    expect(coder.compress([], 0, 100)).toBeNull();
    expect(coder.compress([input], 0, 100)).toBeNull();
    expect(coder.compress([input], input.length, 0)).toBeNull();
    expect(coder.compress([input], input.length, 3)).toBeNull();
    expect(coder.decompress(new Uint8Array(0), 100)).toBeNull();
    const compressed = coder.compress([input], input.length, 100)!;
    expect(coder.decompress(compressed, input.length - 1)).toBeNull();
    expect(hex(coder.decompress(compressed, input.length)!)).toBe(hex(input));
  });

  it('skips empty buffers (libenet reads one byte past them; see ByteCursor)', () => {
    const a = Uint8Array.of(1, 2, 3, 1, 2, 3);
    const b = Uint8Array.of(1, 2, 3, 4);
    const expected = hex(coder.compress([a, b], 10, 100)!);
    const empty = new Uint8Array(0);
    expect(hex(coder.compress([empty, a, empty, empty, b, empty], 10, 100)!)).toBe(expected);
    expect(coder.compress([empty, empty], 1, 100)).toBeNull();
  });

  it('models every call from scratch: the same input gives the same output after other calls', () => {
    const first = new TextEncoder().encode('state reset per datagram, state reset per datagram');
    const before = hex(coder.compress([first], first.length, 4096)!);
    coder.compress([new Uint8Array(3000).fill(7)], 3000, 8192);
    coder.decompress(Uint8Array.of(0xde, 0xad, 0xbe, 0xef), 4096);
    expect(hex(coder.compress([first], first.length, 4096)!)).toBe(before);
    expect(hex(new RangeCoder().compress([first], first.length, 4096)!)).toBe(before);
  });

  it(`round-trips inputs that refill the ${RANGE_CODER_SYMBOL_POOL_SIZE}-record symbol pool several times`, () => {
    const stream = RandomStream.root('range-coder/refill');
    for (const lengthBytes of [5000, 20_000, 65_000]) {
      const input = randomBytes(stream, lengthBytes);
      const compressed = coder.compress([input], lengthBytes, roomyLimit(lengthBytes))!;
      expect(hex(coder.decompress(compressed, lengthBytes)!)).toBe(hex(input));
    }
  });
});

// ---- against libenet -----------------------------------------------------------------------------

/** Applies a few bit flips, a truncation or an extension to a valid stream. */
function damage(stream: RandomStream, valid: Uint8Array): Uint8Array {
  switch (integerBelow(stream, 3)) {
    case 0: {
      const bytes = valid.slice();
      for (let flip = 0; flip < 1 + integerBelow(stream, 3); flip++) {
        bytes[integerBelow(stream, bytes.length)]! ^= 1 << integerBelow(stream, 8);
      }
      return bytes;
    }
    case 1:
      return valid.slice(0, 1 + integerBelow(stream, valid.length));
    default:
      return concat([valid, randomBytes(stream, 1 + integerBelow(stream, 16))]);
  }
}

describeLibenet('range coder against libenet 1.3.17', (driverPath) => {
  let driver: LibenetDriver;
  const coder = new RangeCoder();
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  it(`gives libenet's bytes on ${CORPUS_SIZE} seeded datagrams, and each decompresses the other's output`, () => {
    const corpus = buildCorpus('range-coder/corpus');
    expect(corpus).toHaveLength(CORPUS_SIZE);
    const outcomes = { compressed: 0, tooLargeAtEnetLimit: 0 };
    for (const [index, { kind, parts }] of corpus.entries()) {
      const input = concat(parts);
      const where = `#${index} (${kind}, ${input.length} bytes in ${parts.length} buffers)`;
      // ENet's own limit (compressed must be smaller than the input to be used) and a roomy one.
      for (const limitBytes of [input.length, roomyLimit(input.length)]) {
        const ours = coder.compress(parts, input.length, limitBytes);
        const theirs = driver.rangeCoderCompress(parts, limitBytes);
        expect(hexOrNull(ours), where).toBe(hexOrNull(theirs));
        if (ours === null) {
          outcomes.tooLargeAtEnetLimit++;
          continue;
        }
        expect(hexOrNull(coder.decompress(theirs!, input.length)), where).toBe(hex(input));
        expect(hexOrNull(driver.rangeCoderDecompress(ours, input.length)), where).toBe(hex(input));
        outcomes.compressed++;
      }
    }
    // Every input fits the roomy limit; incompressible ones fail at ENet's.
    expect(outcomes.compressed).toBeGreaterThanOrEqual(CORPUS_SIZE);
    expect(outcomes.tooLargeAtEnetLimit).toBeGreaterThan(100);
  });

  it('fails exactly where libenet fails when the output limit is one byte short', () => {
    const corpus = buildCorpus('range-coder/limits').slice(0, 300);
    for (const { parts } of corpus) {
      const input = concat(parts);
      const neededBytes = driver.rangeCoderCompress(parts, roomyLimit(input.length))!.length;
      for (const limitBytes of [0, 1, neededBytes - 1, neededBytes]) {
        expect(hexOrNull(coder.compress(parts, input.length, limitBytes))).toBe(hexOrNull(driver.rangeCoderCompress(parts, limitBytes)));
      }
      const compressed = coder.compress(parts, input.length, neededBytes)!;
      for (const limitBytes of [0, input.length - 1, input.length]) {
        expect(hexOrNull(coder.decompress(compressed, limitBytes))).toBe(hexOrNull(driver.rangeCoderDecompress(compressed, limitBytes)));
      }
    }
  });

  it('agrees with libenet when there is nothing to compress', () => {
    expect(driver.rangeCoderCompress([], 100)).toBeNull();
    expect(coder.compress([], 0, 100)).toBeNull();
    const input = Uint8Array.of(1, 2, 3);
    expect(driver.rangeCoderCompress([input], 100, 0)).toBeNull();
    expect(coder.compress([input], 0, 100)).toBeNull();
    expect(driver.rangeCoderDecompress(new Uint8Array(0), 100)).toBeNull();
    expect(coder.decompress(new Uint8Array(0), 100)).toBeNull();
  });

  it('decompresses garbage and damaged streams exactly as libenet does', () => {
    const stream = RandomStream.root('range-coder/garbage');
    const valid = buildCorpus('range-coder/garbage-sources')
      .slice(0, 200)
      .map(({ parts }) => coder.compress(parts, 1, 8192)!);
    let nonNull = 0;
    for (let index = 0; index < 1000; index++) {
      const input =
        index % 2 === 0
          ? damage(stream, valid[index % valid.length]!)
          : randomBytes(stream, 1 + integerBelow(stream, index % 10 === 1 ? 4096 : 64));
      const limitBytes = [16, 1400, RECEIVE_LIMIT_BYTES][index % 3]!;
      const ours = coder.decompress(input, limitBytes);
      expect(hexOrNull(ours), `#${index} ${hex(input.subarray(0, 32))}`).toBe(hexOrNull(driver.rangeCoderDecompress(input, limitBytes)));
      if (ours !== null) nonNull++;
    }
    // Both outcomes occur, so the comparison covers the success and the failure paths.
    expect(nonNull).toBeGreaterThan(50);
    expect(nonNull).toBeLessThan(950);
  });

  it('matches libenet on inputs long enough to refill the symbol pool', () => {
    const stream = RandomStream.root('range-coder/long');
    for (const lengthBytes of [6000, 20_000]) {
      for (const input of [randomBytes(stream, lengthBytes), Uint8Array.from({ length: lengthBytes }, (_, index) => (index * index) >> 3)]) {
        const ours = coder.compress([input], lengthBytes, roomyLimit(lengthBytes));
        expect(hexOrNull(ours)).toBe(hexOrNull(driver.rangeCoderCompress([input], roomyLimit(lengthBytes))));
        expect(hexOrNull(driver.rangeCoderDecompress(ours!, lengthBytes))).toBe(hex(input));
      }
    }
  });
});

// ---- through the core ----------------------------------------------------------------------------

function isCompressed(datagram: Uint8Array): boolean {
  return ((datagram[0]! << 8) & HEADER_FLAG_COMPRESSED) !== 0;
}

describe('host compression with the range coder', () => {
  it('connects, transfers reliably and sets the COMPRESSED bit only when compression helps', () => {
    const client = new Host({ address: CLIENT_ADDRESS, peerCount: 1, randomSeed: CLIENT_SEED, profile: '1.3.17' });
    const server = new Host({ address: SERVER_ADDRESS, peerCount: 4, randomSeed: 0x1234, profile: '1.3.17' });
    client.compress(new RangeCoder());
    server.compress(new RangeCoder());
    const sent: { from: string; data: Uint8Array }[] = [];
    const received: Uint8Array[] = [];
    const connected: string[] = [];
    const deliver = (from: Host, to: Host, name: string, nowMs: number): void => {
      for (let calls = 0; calls < 100; calls++) {
        const { result, event } = from.service(nowMs);
        if (result <= 0) break;
        if (event.type === EventType.EVENT_CONNECT) connected.push(name);
        if (event.type === EventType.EVENT_RECEIVE) received.push(event.packet!.data);
      }
      for (const datagram of from.pollDatagrams()) {
        sent.push({ from: name, data: datagram.data });
        to.handleDatagram(from.address, datagram.data);
      }
    };
    client.connect(SERVER_ADDRESS, 2, 0);
    const text = new TextEncoder().encode('{"type":"snapshot","entities":[1,2,3]} '.repeat(150));
    const noise = randomBytes(RandomStream.root('range-coder/host-noise'), 600);
    for (let step = 0; step < 200; step++) {
      const nowMs = 1000 + step * 10;
      if (step === 20) client.send(0, 0, new Packet(text, PacketFlag.reliable));
      // Alone in its datagram, so that nothing compressible travels with it.
      if (step === 100) client.send(0, 1, new Packet(noise, PacketFlag.reliable));
      deliver(client, server, 'client', nowMs);
      deliver(server, client, 'server', nowMs);
    }
    expect(connected.sort()).toEqual(['client', 'server']);
    expect(received.map(hex)).toEqual([hex(text), hex(noise)]);
    // The handshake itself compresses: the CONNECT datagram is 4 header + 48 command bytes plain.
    expect(isCompressed(sent[0]!.data)).toBe(true);
    expect(sent[0]!.data.length).toBeLessThan(4 + 48);
    const compressed = sent.filter(({ data }) => isCompressed(data));
    const plain = sent.filter(({ data }) => !isCompressed(data));
    expect(new Set(compressed.map(({ from }) => from))).toEqual(new Set(['client', 'server']));
    // The text fragments shrink; the noise packet does not, so its datagram goes out as it is.
    expect(compressed.filter(({ from, data }) => from === 'client' && data.length < 1000).length).toBeGreaterThanOrEqual(5);
    const noiseDatagrams = sent.filter(({ data }) => data.length > noise.length);
    expect(noiseDatagrams).toHaveLength(1);
    expect(isCompressed(noiseDatagrams[0]!.data)).toBe(false);
    expect(plain.length).toBeGreaterThan(0);
    expect(client.droppedDatagrams).toEqual({});
    expect(server.droppedDatagrams).toEqual({});
  });
});

/** The TypeScript core or libenet, with the range coder installed on every host. */
function compressingTypescript(): Implementation {
  return {
    name: 'typescript 1.3.17 + range coder',
    profile: '1.3.17',
    create: (config) => {
      const host = createTsHost(config, '1.3.17');
      host.core.compress(new RangeCoder());
      return host;
    },
  };
}

function compressingLibenet(driver: LibenetDriver): Implementation {
  return {
    name: 'libenet 1.3.17 + range coder',
    profile: '1.3.17',
    create: (config) => {
      const host = driver.createHost(config);
      expect(host.compressWithRangeCoder()).toBe(0);
      return host;
    },
  };
}

/** Connect at 1000, then reliable and unreliable packets both ways (never empty: libenet would crash). */
function compressedWorkload(tick: LockstepTick): void {
  if (tick.nowMs === 1000) tick.host('client').connect(SERVER_ADDRESS, 4, 42);
  if (tick.nowMs >= 1100 && tick.nowMs < 1600 && tick.nowMs % 25 === 0) {
    const text = new TextEncoder().encode(`tick ${tick.nowMs}: position 10,20,30 velocity 0,0,1; `.repeat(1 + (tick.nowMs % 40)));
    tick.host('client').peerSend(0, 0, PacketFlag.reliable, text);
    tick.host('server').peerSend(0, 1, 0, text.subarray(0, 40));
  }
  if (tick.nowMs === 1300) tick.host('client').peerSend(0, 2, PacketFlag.reliable, new Uint8Array(5000).fill(9));
}

describeLibenet('host compression against libenet 1.3.17', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  it('a compressing TypeScript pair sends exactly the datagrams a compressing libenet pair sends', () => {
    const options = { untilMs: 2500, onTick: compressedWorkload };
    const ours = runPair(compressingTypescript(), options);
    const theirs = runPair(compressingLibenet(driver), options);
    const compressedCount = ours.trace.datagrams.filter((datagram) => isCompressed(datagram.bytes)).length;
    expect(compressedCount).toBeGreaterThan(20);
    expect(renderTrace(ours.trace)).toEqual(renderTrace(theirs.trace));
    destroyAll(ours);
    destroyAll(theirs);
  });

  it('a compressing TypeScript client and a compressing libenet server understand each other', () => {
    const client = compressingTypescript().create(hostConfig({ address: CLIENT_ADDRESS, peerCount: 1, randomSeed: CLIENT_SEED }));
    const server: HostLike = compressingLibenet(driver).create(hostConfig({ address: SERVER_ADDRESS }));
    const trace = runLockstep({
      hosts: [
        { name: 'client', address: CLIENT_ADDRESS, host: client },
        { name: 'server', address: SERVER_ADDRESS, host: server },
      ],
      startMs: 1000,
      latencyMs: 10,
      untilMs: 2500,
      onTick: compressedWorkload,
    });
    const eventsOf = (name: string): string[] =>
      trace.events.filter((event) => event.host === name).map(({ event }) => (event.type === 'receive' ? `receive ${event.data.length}` : event.type));
    expect(eventsOf('client')[0]).toBe('connect');
    expect(eventsOf('server')[0]).toBe('connect');
    expect(eventsOf('server')).toContain('receive 5000');
    expect(eventsOf('server').filter((line) => line.startsWith('receive'))).toHaveLength(21);
    expect(eventsOf('client').filter((line) => line.startsWith('receive'))).toHaveLength(20);
    for (const name of ['client', 'server']) {
      expect(trace.datagrams.some((datagram) => datagram.from === name && isCompressed(datagram.bytes))).toBe(true);
    }
    client.destroy();
    server.destroy();
  });
});
