// What Godot's high-level multiplayer peer expects of the ENet layer, for `serve --godot` and
// `connect --godot`: the connect data, the channel layout and the id header on packets. Learned by
// reading Godot's modules/enet (networked_multiplayer_enet.cpp in 3.x, enet_multiplayer_peer.cpp in
// 4.x); the code is ours. docs/serve-connect.md lists which versions this covers.

import { randomInt } from 'node:crypto';

import { PacketFlag } from '../enet/constants.js';

/** The Godot major versions whose ENet multiplayer peer serve and connect can speak. */
export type GodotVersion = '3' | '4';
export const GODOT_VERSIONS: readonly GodotVersion[] = ['3', '4'];

/** Godot's id of the server; a client's id is ≥ 2 (0 and 1 are refused by Godot's server). */
export const GODOT_SERVER_ID = 1;
/** The smallest id a Godot server accepts as a client's connect data. */
export const GODOT_CLIENT_ID_MIN = 2;
/** Godot draws ids below 2^31 (a negative target means "all but"). */
export const GODOT_CLIENT_ID_MAX = 0x7fffffff;
/** Godot 3's header on every packet: source id (uint32) and target id (int32), little-endian. */
export const GODOT3_HEADER_BYTES = 8;

/** Godot 3's system messages on channel 0 (server to client): SYSMSG_ADD_PEER, SYSMSG_REMOVE_PEER. */
export const Godot3SystemMessage = { addPeer: 0, removePeer: 1 } as const;

/** One Godot version's channel layout and framing. */
export interface GodotLayout {
  version: GodotVersion;
  /** Channels a Godot client asks for with the default channel_count (Godot 3: 3; Godot 4: the 2 reserved ones, more with transfer channels). */
  channelCount: number;
  /** The channel of Godot's system messages (Godot 3 only), or null. */
  configChannel: number | null;
  /** Where TRANSFER_MODE_RELIABLE goes. */
  reliableChannel: number;
  /** Where TRANSFER_MODE_UNRELIABLE and UNRELIABLE_ORDERED go. */
  unreliableChannel: number;
  /** Bytes of the id header ENet packets carry (Godot 3: 8; Godot 4: none, its peer knows the sender from the ENet peer). */
  headerBytes: number;
}

export const GODOT_LAYOUTS: Record<GodotVersion, GodotLayout> = {
  // NetworkedMultiplayerENet: SYSCH_CONFIG 0, SYSCH_RELIABLE 1, SYSCH_UNRELIABLE 2, channel_count 3.
  '3': { version: '3', channelCount: 3, configChannel: 0, reliableChannel: 1, unreliableChannel: 2, headerBytes: GODOT3_HEADER_BYTES },
  // ENetMultiplayerPeer (4.0 onwards): SYSCH_RELIABLE 0, SYSCH_UNRELIABLE 1, transfer channels from 2.
  '4': { version: '4', channelCount: 2, configChannel: null, reliableChannel: 0, unreliableChannel: 1, headerBytes: 0 },
};

/** A unique id as a Godot client draws one: a random whole number from 2 to 2^31 − 1. */
export function randomGodotClientId(): number {
  return randomInt(GODOT_CLIENT_ID_MIN, GODOT_CLIENT_ID_MAX + 1);
}

/** The channel Godot uses for packets sent with these ENET_PACKET_FLAG_* flags. */
export function godotChannelFor(layout: GodotLayout, flags: number): number {
  return flags & PacketFlag.reliable ? layout.reliableChannel : layout.unreliableChannel;
}

/** `payload` behind Godot 3's header (source, target); unchanged for Godot 4. */
export function frameGodotPacket(layout: GodotLayout, sourceId: number, targetId: number, payload: Uint8Array): Uint8Array {
  if (layout.headerBytes === 0) return payload;
  const framed = new Uint8Array(GODOT3_HEADER_BYTES + payload.length);
  const view = new DataView(framed.buffer);
  view.setUint32(0, sourceId >>> 0, true);
  view.setInt32(4, targetId | 0, true);
  framed.set(payload, GODOT3_HEADER_BYTES);
  return framed;
}

/** A packet as Godot's peer reads it. */
export type GodotPacket =
  | { kind: 'data'; sourceId: number | null; targetId: number | null; payload: Uint8Array }
  | { kind: 'system'; message: 'addPeer' | 'removePeer' | 'unknown'; code: number; peerId: number }
  | { kind: 'malformed'; reason: string };

/** Reads a received packet the way Godot's peer would, on `channelID`. */
export function readGodotPacket(layout: GodotLayout, channelID: number, data: Uint8Array): GodotPacket {
  if (layout.headerBytes === 0) {
    if (channelID < layout.reliableChannel) return { kind: 'malformed', reason: `channel ${channelID} is not used by Godot ${layout.version}` };
    return { kind: 'data', sourceId: null, targetId: null, payload: data };
  }
  if (data.length < GODOT3_HEADER_BYTES) return { kind: 'malformed', reason: `${data.length} bytes, shorter than Godot 3's 8-byte id header (Godot drops it)` };
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  if (channelID === layout.configChannel) {
    const code = view.getUint32(0, true);
    const message = code === Godot3SystemMessage.addPeer ? 'addPeer' : code === Godot3SystemMessage.removePeer ? 'removePeer' : 'unknown';
    return { kind: 'system', message, code, peerId: view.getUint32(4, true) };
  }
  return { kind: 'data', sourceId: view.getUint32(0, true), targetId: view.getInt32(4, true), payload: data.subarray(GODOT3_HEADER_BYTES) };
}
