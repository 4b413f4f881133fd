// The public surface of the ENet core.
export * from './constants.js';
export * from './time.js';
export { profileBehaviour, isGodotProfile, type ProfileBehaviour } from './profile.js';
export { Host, type HostOptions, type WireAddress, type Datagram, type Compressor } from './host.js';
export { Peer, Packet, type SendResult } from './peer.js';
export { EventType, type HostEvent, type ServiceResult } from './events.js';
export { decodeDatagram, type DecodeResult, type DecodedCommand, type DecodedHeader } from './codec.js';
export { crc32 } from './crc32.js';
export { RangeCoder, RANGE_CODER_SYMBOL_POOL_SIZE } from './range-coder.js';
export { FastlzCompressor, fastlzCompress, fastlzDecompress } from './compress-fastlz.js';
export { ZlibCompressor, zlibCompress, zlibDecompress } from './compress-zlib.js';
export { ZstdCompressor, zstdCompress, zstdDecompress } from './compress-zstd.js';
export { createCompressor, COMPRESSOR_NAMES, type CompressionName } from './compressors.js';
export type { TransitionCause } from './peer-state.js';
export type { DatagramDropReason, CommandStopReason } from './protocol-receive.js';
export {
  ENetConnection,
  ENetPacketPeer,
  GodotError,
  PeerStatistic,
  HostStatistic,
  CompressionMode,
  PACKET_LOSS_SCALE,
  PACKET_THROTTLE_SCALE,
  FLAG_RELIABLE,
  FLAG_UNSEQUENCED,
  FLAG_UNRELIABLE_FRAGMENT,
  ipv4ToWire,
  wireToIpv4,
  type ENetConnectionOptions,
  type ServiceEvent,
} from './godot.js';
