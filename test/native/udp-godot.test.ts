// Godot's framing for serve/connect --godot: channel layouts, Godot 3's 8-byte id header, its
// channel-0 system messages and the client id range.
import { describe, expect, test } from 'vitest';

import { PacketFlag } from '../../src/enet/constants.js';
import { GODOT_CLIENT_ID_MAX, GODOT_LAYOUTS, frameGodotPacket, godotChannelFor, randomGodotClientId, readGodotPacket } from '../../src/native/udp-godot.js';

describe('Godot framing', () => {
  test("Godot 3's header is the source id (uint32) then the target id (int32), little-endian, before the payload", () => {
    const framed = frameGodotPacket(GODOT_LAYOUTS['3'], 0x01020304, -5, new Uint8Array([0xaa, 0xbb]));
    expect([...framed]).toEqual([0x04, 0x03, 0x02, 0x01, 0xfb, 0xff, 0xff, 0xff, 0xaa, 0xbb]);
    expect(readGodotPacket(GODOT_LAYOUTS['3'], 1, framed)).toEqual({ kind: 'data', sourceId: 0x01020304, targetId: -5, payload: new Uint8Array([0xaa, 0xbb]) });
  });

  test('Godot 4 puts no header on packets', () => {
    const payload = new Uint8Array([1, 2, 3]);
    expect(frameGodotPacket(GODOT_LAYOUTS['4'], 7, 1, payload)).toBe(payload);
    expect(readGodotPacket(GODOT_LAYOUTS['4'], 0, payload)).toEqual({ kind: 'data', sourceId: null, targetId: null, payload });
  });

  test("Godot 3's channel 0 carries the server's peer added / removed messages; a packet shorter than the header is one Godot drops", () => {
    expect(readGodotPacket(GODOT_LAYOUTS['3'], 0, new Uint8Array([0, 0, 0, 0, 42, 0, 0, 0]))).toEqual({ kind: 'system', message: 'addPeer', code: 0, peerId: 42 });
    expect(readGodotPacket(GODOT_LAYOUTS['3'], 0, new Uint8Array([1, 0, 0, 0, 42, 0, 0, 0]))).toMatchObject({ kind: 'system', message: 'removePeer' });
    expect(readGodotPacket(GODOT_LAYOUTS['3'], 1, new Uint8Array(7))).toMatchObject({ kind: 'malformed' });
  });

  test("channels by flags: Godot 3 sends reliable on 1 and unreliable on 2; Godot 4 on 0 and 1", () => {
    expect(godotChannelFor(GODOT_LAYOUTS['3'], PacketFlag.reliable)).toBe(1);
    expect(godotChannelFor(GODOT_LAYOUTS['3'], PacketFlag.unsequenced)).toBe(2);
    expect(godotChannelFor(GODOT_LAYOUTS['4'], PacketFlag.reliable)).toBe(0);
    expect(godotChannelFor(GODOT_LAYOUTS['4'], 0)).toBe(1);
  });

  test('client ids are never 0 or 1 (refused by Godot) and stay below 2^31', () => {
    for (let index = 0; index < 1000; index++) {
      const id = randomGodotClientId();
      expect(id).toBeGreaterThanOrEqual(2);
      expect(id).toBeLessThanOrEqual(GODOT_CLIENT_ID_MAX);
    }
  });
});
