// What each protocol profile changes, in one table. The protocol code asks for a named behaviour
// (`host.behaviour.timeoutRule`), never for a version string, so a profile is exactly its row here.
import { Defaults, type ProtocolProfile } from './constants.js';

/** The behaviours in which the profiles differ. Everything not listed is common to all of them. */
export interface ProfileBehaviour {
  /** The upstream ENet release whose protocol code the profile runs (the one libenet would be checked against). */
  readonly upstream: '1.3.17' | '1.3.18';
  /** ENET_HOST_DEFAULT_MTU: 1400 in 1.3.17, 1392 since ea4607a. */
  readonly defaultHostMtuBytes: number;
  /** enet_host_random: `++randomSeed` in 1.3.17, Mulberry32 since e3ada4e. */
  readonly connectIdAlgorithm: 'increment' | 'mulberry32';
  /**
   * 8ae0e85 and 4faa11a: a connecting slot re-reads `host->mtu`, and a server answers with the smaller of
   * its own MTU and the client's (1.3.17 takes the client's and keeps the slot's MTU from its last reset).
   */
  readonly peerMtuFromHost: boolean;
  /**
   * d7e5470, ca18dfb: reliable commands that carry a packet wait in their own queue, merged with the others
   * by enqueue order, and a send pass repeats only for the peers that ran out of room (1.3.17: one queue,
   * and the whole pass repeats).
   */
  readonly separateSendReliableQueue: boolean;
  /** A datagram larger than the 4096-byte receive buffer: 1.3.17's service call fails (-1); 2a85cd6 skips it. */
  readonly oversizeDatagram: 'serviceError' | 'skip';
  /** d7e5470: zero-length reliable fragments, and reliable fragments with totalLength < fragmentCount, are refused. */
  readonly strictReliableFragments: boolean;
  /**
   * Upstream lets a peer whose address is ENET_HOST_BROADCAST (255.255.255.255) accept datagrams from any
   * address (that is how a LAN client finds a server). Godot's socket patch compares addresses byte for
   * byte and drops the exception: such a peer only accepts datagrams from 255.255.255.255 itself.
   */
  readonly broadcastReplyFromAnyAddress: boolean;
  /**
   * When a reliable command has been retransmitted often enough for `timeoutMinimum` to apply:
   * 'rto-limit' (1.3.17): the doubled RTO ≥ timeoutLimit × the first RTO;
   * 'attempts-power-of-two' (1.3.18, be7cefa): 2^(sendAttempts − 1) ≥ timeoutLimit, the same test;
   * 'attempts-linear' (Godot PR #118158): sendAttempts − 1 ≥ timeoutLimit.
   */
  readonly timeoutRule: 'rto-limit' | 'attempts-power-of-two' | 'attempts-linear';
  /** ENET_PEER_TIMEOUT_LIMIT: the limit after a reset and for `set_timeout(0, …)`. */
  readonly defaultTimeoutLimit: number;
}

const UPSTREAM_1317: ProfileBehaviour = {
  upstream: '1.3.17',
  defaultHostMtuBytes: Defaults.hostMtuBytes1317,
  connectIdAlgorithm: 'increment',
  peerMtuFromHost: false,
  separateSendReliableQueue: false,
  oversizeDatagram: 'serviceError',
  strictReliableFragments: false,
  broadcastReplyFromAnyAddress: true,
  timeoutRule: 'rto-limit',
  defaultTimeoutLimit: Defaults.peerTimeoutLimit,
};

const UPSTREAM_1318: ProfileBehaviour = {
  upstream: '1.3.18',
  defaultHostMtuBytes: Defaults.hostMtuBytes1318,
  connectIdAlgorithm: 'mulberry32',
  peerMtuFromHost: true,
  separateSendReliableQueue: true,
  oversizeDatagram: 'skip',
  strictReliableFragments: true,
  broadcastReplyFromAnyAddress: true,
  timeoutRule: 'attempts-power-of-two',
  defaultTimeoutLimit: Defaults.peerTimeoutLimit,
};

/** The long-timeouts patch counts attempts linearly, so its default limit is 5 (2^5 = 32 keeps the default drop time). */
const GODOT_LONG_TIMEOUT_LIMIT = 5;

const BEHAVIOURS: Readonly<Record<ProtocolProfile, ProfileBehaviour>> = {
  '1.3.17': UPSTREAM_1317,
  '1.3.18': UPSTREAM_1318,
  // Godot 4.0.0–4.0.3 and 4.1.0–4.1.1: upstream 1.3.17 (e0e7045) with Godot's socket patch.
  'godot-4.0': { ...UPSTREAM_1317, broadcastReplyFromAnyAddress: false },
  // Godot 4.0.4, 4.1.2 onwards, 4.2 … 4.7: upstream ea4607a + 2a85cd6, later c44b7d0 and 1.3.18 (2662c0d),
  // all with the 1.3.18 protocol code, with Godot's socket patch.
  'godot-4.2': { ...UPSTREAM_1318, broadcastReplyFromAnyAddress: false },
  // godot-4.2 plus the long-timeouts patch of Godot PR #118158, which no Godot release carries (docs/godot.md).
  'godot-pr118158': { ...UPSTREAM_1318, broadcastReplyFromAnyAddress: false, timeoutRule: 'attempts-linear', defaultTimeoutLimit: GODOT_LONG_TIMEOUT_LIMIT },
};

/** The behaviours of `profile`. */
export function profileBehaviour(profile: ProtocolProfile): ProfileBehaviour {
  const behaviour = BEHAVIOURS[profile];
  if (behaviour === undefined) throw new RangeError(`unknown protocol profile '${String(profile)}'`);
  return behaviour;
}

/** True for the profiles that model a Godot build rather than an upstream release. */
export function isGodotProfile(profile: ProtocolProfile): boolean {
  return profile.startsWith('godot-');
}
