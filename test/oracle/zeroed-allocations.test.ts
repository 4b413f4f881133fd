// A fragment whose offset was corrupted in flight (checksums off) overlaps another fragment, so part
// of the reassembled packet is never written. The TypeScript core allocates the packet zeroed;
// libenet mallocs it, so without help the hole would hold whatever the heap held before and the
// two implementations would hand the application different bytes. The driver installs a
// zero-filling allocator (enet_initialize_with_callbacks), so the hole holds zeros on both sides.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { decodeDatagram } from '../../src/enet/codec.js';
import { COMMAND_SIZES_BYTES, HEADER_SIZE_BYTES } from '../../src/enet/constants.js';
import { SERVER_ADDRESS, destroyAll, libenetImplementation, runPair, typescriptImplementation, type Implementation } from '../support/conformance-kit.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import type { TraceDatagram } from '../support/lockstep.js';

const RELIABLE = 1;
const SEND_FRAGMENT = 8;
const FRAGMENT_NUMBER_OFFSET = 12;
const FRAGMENT_OFFSET_OFFSET = 20;
const PACKET_BYTES = 3000;

function payload(): Uint8Array {
  const bytes = new Uint8Array(PACKET_BYTES);
  for (let index = 0; index < bytes.length; index++) bytes[index] = 1 + (index % 251);
  return bytes;
}

/** Rewrites fragment 1's offset to 0 (it then overwrites fragment 0's bytes and its own range stays unwritten). */
function corruptSecondFragment(datagram: TraceDatagram): { bytes: Uint8Array } | undefined {
  if (datagram.from !== 'client') return undefined;
  const decoded = decodeDatagram(datagram.bytes, { checksum: false });
  if (!decoded.ok) return undefined;
  let offset = HEADER_SIZE_BYTES;
  for (const command of decoded.commands) {
    if (command.command === SEND_FRAGMENT && command.fields.fragmentNumber === 1) {
      const bytes = datagram.bytes.slice();
      new DataView(bytes.buffer).setUint32(offset + FRAGMENT_OFFSET_OFFSET, 0);
      expect(new DataView(bytes.buffer).getUint32(offset + FRAGMENT_NUMBER_OFFSET)).toBe(1);
      return { bytes };
    }
    offset += COMMAND_SIZES_BYTES[command.command]! + command.payloadBytes;
  }
  return undefined;
}

function received(implementation: Implementation): Uint8Array {
  const run = runPair(implementation, {
    untilMs: 3000,
    intercept: corruptSecondFragment,
    onTick: (tick) => {
      if (tick.nowMs === 1000) tick.host('client').connect(SERVER_ADDRESS, 2, 0);
      if (tick.nowMs === 1300) tick.host('client').peerSend(0, 0, RELIABLE, payload());
    },
  });
  destroyAll(run);
  const receives = run.trace.events.filter((entry) => entry.host === 'server' && entry.event.type === 'receive');
  expect(receives).toHaveLength(1);
  const event = receives[0]!.event;
  if (event.type !== 'receive') throw new Error('not a receive event');
  return event.data;
}

function holeOf(bytes: Uint8Array): { start: number; end: number } {
  const start = bytes.findIndex((byte) => byte === 0);
  let end = start;
  while (end < bytes.length && bytes[end] === 0) end++;
  return { start, end };
}

test('TypeScript core: the unwritten range of a packet with an overlapping fragment is zeros', () => {
  const bytes = received(typescriptImplementation('1.3.17'));
  expect(bytes.length).toBe(PACKET_BYTES);
  const hole = holeOf(bytes);
  // Fragment 1 covered [fragment size, 2 × fragment size); it landed on fragment 0's range instead.
  expect(hole.start).toBeGreaterThan(1000);
  expect(hole.end - hole.start).toBeGreaterThan(1000);
  expect(bytes.subarray(hole.start, hole.end).every((byte) => byte === 0)).toBe(true);
});

describeLibenet('zero-filled allocations in the libenet driver', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  test('libenet allocates through the driver\'s zero-filling allocator', () => {
    const before = driver.callCounts().allocations ?? 0;
    const host = libenetImplementation(driver).create({ address: SERVER_ADDRESS, peerCount: 2, channelLimit: 0, incomingBandwidth: 0, outgoingBandwidth: 0, randomSeed: 1 });
    host.destroy();
    expect(driver.callCounts().allocations! - before).toBeGreaterThan(0);
  });

  test('libenet hands the application the same bytes, hole included, as the TypeScript core', () => {
    const theirs = received(libenetImplementation(driver));
    const ours = received(typescriptImplementation('1.3.17'));
    expect(Buffer.from(theirs).equals(Buffer.from(ours))).toBe(true);
  });
});
