// ENet's protocol and behaviour constants, with ENet's meaning and our unit-suffixed names.
// Values: include/enet/protocol.h and include/enet/enet.h of ENet 1.3.17 / 1.3.18.

/** Wire limits of the protocol (ENET_PROTOCOL_*). */
export const Protocol = {
  minimumMtuBytes: 576,
  maximumMtuBytes: 4096,
  maximumPacketCommands: 32,
  minimumWindowSizeBytes: 4096,
  maximumWindowSizeBytes: 65536,
  minimumChannelCount: 1,
  maximumChannelCount: 255,
  /** 0xFFF on the wire means "no peer yet"; it is also one more than the highest slot index. */
  maximumPeerId: 0xfff,
  maximumFragmentCount: 1024 * 1024,
} as const;

/** Command numbers (low 4 bits of the command byte). */
export const Command = {
  none: 0,
  acknowledge: 1,
  connect: 2,
  verifyConnect: 3,
  disconnect: 4,
  ping: 5,
  sendReliable: 6,
  sendUnreliable: 7,
  sendFragment: 8,
  sendUnsequenced: 9,
  bandwidthLimit: 10,
  throttleConfigure: 11,
  sendUnreliableFragment: 12,
  count: 13,
} as const;

/** ENet's own names of the commands, for traces and messages. */
export const COMMAND_NAMES: readonly string[] = [
  'NONE',
  'ACKNOWLEDGE',
  'CONNECT',
  'VERIFY_CONNECT',
  'DISCONNECT',
  'PING',
  'SEND_RELIABLE',
  'SEND_UNRELIABLE',
  'SEND_FRAGMENT',
  'SEND_UNSEQUENCED',
  'BANDWIDTH_LIMIT',
  'THROTTLE_CONFIGURE',
  'SEND_UNRELIABLE_FRAGMENT',
];

export const COMMAND_MASK = 0x0f;
export const COMMAND_FLAG_ACKNOWLEDGE = 0x80;
export const COMMAND_FLAG_UNSEQUENCED = 0x40;

export const HEADER_FLAG_COMPRESSED = 0x4000;
export const HEADER_FLAG_SENT_TIME = 0x8000;
export const HEADER_FLAG_MASK = HEADER_FLAG_COMPRESSED | HEADER_FLAG_SENT_TIME;
export const HEADER_SESSION_MASK = 0x3000;
export const HEADER_SESSION_SHIFT = 12;

/** Size in bytes of each command's fixed part, header included (protocol.c commandSizes). */
export const COMMAND_SIZES_BYTES: readonly number[] = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];

/** The system channel: CONNECT, VERIFY_CONNECT, DISCONNECT, PING, BANDWIDTH_LIMIT, THROTTLE_CONFIGURE. */
export const SYSTEM_CHANNEL_ID = 0xff;

/** Header bytes: peer id + flags (2) and sent time (2); the checksum slot (4) is extra. */
export const HEADER_MINIMUM_SIZE_BYTES = 2;
export const HEADER_SIZE_BYTES = 4;
export const CHECKSUM_SIZE_BYTES = 4;

/** Packet flags (ENET_PACKET_FLAG_*; Godot's ENetPacketPeer.FLAG_* have the same values). */
export const PacketFlag = {
  reliable: 1 << 0,
  unsequenced: 1 << 1,
  noAllocate: 1 << 2,
  unreliableFragment: 1 << 3,
  sent: 1 << 8,
} as const;

/** Host and peer defaults (ENET_HOST_* / ENET_PEER_*). */
export const Defaults = {
  hostReceiveBufferSizeBytes: 256 * 1024,
  hostSendBufferSizeBytes: 256 * 1024,
  hostBandwidthThrottleIntervalMs: 1000,
  hostMtuBytes1317: 1400,
  hostMtuBytes1318: 1392,
  hostMaximumPacketSizeBytes: 32 * 1024 * 1024,
  hostMaximumWaitingDataBytes: 32 * 1024 * 1024,
  peerRoundTripTimeMs: 500,
  peerPacketThrottle: 32,
  peerPacketThrottleScale: 32,
  peerPacketThrottleCounterStep: 7,
  peerPacketThrottleAcceleration: 2,
  peerPacketThrottleDeceleration: 2,
  peerPacketThrottleIntervalMs: 5000,
  peerPacketLossScale: 1 << 16,
  peerPacketLossIntervalMs: 10000,
  peerWindowSizeScale: 64 * 1024,
  peerTimeoutLimit: 32,
  peerTimeoutMinimumMs: 5000,
  peerTimeoutMaximumMs: 30000,
  peerPingIntervalMs: 500,
  peerUnsequencedWindowSize: 1024,
  peerFreeUnsequencedWindows: 32,
  peerReliableWindows: 16,
  peerReliableWindowSize: 0x1000,
  peerFreeReliableWindows: 8,
  /** Datagrams one receive phase reads at most (protocol.c enet_protocol_receive_incoming_commands). */
  receiveDatagramsPerServiceMax: 256,
  /** iovecs per datagram (ENET_BUFFER_MAXIMUM = 1 + 2 * ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS). */
  bufferMaximum: 1 + 2 * 32,
} as const;

/** ENet peer states; the numbers are ENet's and Godot's (ENetPacketPeer.PeerState). */
export const PeerState = {
  STATE_DISCONNECTED: 0,
  STATE_CONNECTING: 1,
  STATE_ACKNOWLEDGING_CONNECT: 2,
  STATE_CONNECTION_PENDING: 3,
  STATE_CONNECTION_SUCCEEDED: 4,
  STATE_CONNECTED: 5,
  STATE_DISCONNECT_LATER: 6,
  STATE_DISCONNECTING: 7,
  STATE_ACKNOWLEDGING_DISCONNECT: 8,
  STATE_ZOMBIE: 9,
} as const;
export type PeerState = (typeof PeerState)[keyof typeof PeerState];

export const PEER_STATE_NAMES: readonly string[] = Object.keys(PeerState);

/**
 * Which ENet a host behaves as: an upstream release, or the ENet a range of Godot 4 releases bundles
 * (upstream plus Godot's patches). All are wire-compatible (reference §11). What each one changes is
 * listed in one place, `profileBehaviour` (profile.ts); docs/godot.md says where each fact comes from.
 */
export const PROTOCOL_PROFILES = ['1.3.17', '1.3.18', 'godot-4.0', 'godot-4.2', 'godot-pr118158'] as const;
export type ProtocolProfile = (typeof PROTOCOL_PROFILES)[number];
