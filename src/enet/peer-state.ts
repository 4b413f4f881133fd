// Every peer state change goes through transition(): it checks the move against ENet's state
// machine (reference §3.5) and keeps the host's connected-peer counters right, the job libenet
// splits between enet_protocol_change_state, enet_peer_on_connect and enet_peer_on_disconnect.
import { PEER_STATE_NAMES, PeerState } from './constants.js';

const S = PeerState;

/** Allowed moves, from → to. Staying in a state is always allowed (libenet re-enters ZOMBIE, for one). */
const ALLOWED: Readonly<Record<PeerState, readonly PeerState[]>> = {
  [S.STATE_DISCONNECTED]: [S.STATE_CONNECTING, S.STATE_ACKNOWLEDGING_CONNECT],
  [S.STATE_CONNECTING]: [S.STATE_CONNECTED, S.STATE_CONNECTION_SUCCEEDED, S.STATE_ZOMBIE, S.STATE_DISCONNECTED],
  [S.STATE_ACKNOWLEDGING_CONNECT]: [S.STATE_CONNECTED, S.STATE_CONNECTION_PENDING, S.STATE_DISCONNECTED],
  [S.STATE_CONNECTION_PENDING]: [S.STATE_CONNECTED, S.STATE_DISCONNECTED],
  [S.STATE_CONNECTION_SUCCEEDED]: [S.STATE_CONNECTED, S.STATE_ZOMBIE, S.STATE_DISCONNECTED],
  [S.STATE_CONNECTED]: [
    S.STATE_DISCONNECT_LATER,
    S.STATE_DISCONNECTING,
    S.STATE_ACKNOWLEDGING_DISCONNECT,
    S.STATE_ZOMBIE,
    S.STATE_DISCONNECTED,
  ],
  [S.STATE_DISCONNECT_LATER]: [S.STATE_DISCONNECTING, S.STATE_ACKNOWLEDGING_DISCONNECT, S.STATE_ZOMBIE, S.STATE_DISCONNECTED],
  [S.STATE_DISCONNECTING]: [S.STATE_ZOMBIE, S.STATE_DISCONNECTED],
  [S.STATE_ACKNOWLEDGING_DISCONNECT]: [S.STATE_ZOMBIE, S.STATE_DISCONNECTED],
  [S.STATE_ZOMBIE]: [S.STATE_DISCONNECTED],
};

/** Why a peer changed state; the simulator's trace shows it. */
export type TransitionCause =
  | 'connect'
  | 'connectReceived'
  | 'verifyConnectReceived'
  | 'verifyConnectRejected'
  | 'verifyConnectAcknowledged'
  | 'eventDispatched'
  | 'disconnectReceived'
  | 'disconnectAcknowledged'
  | 'disconnectAcknowledgementSent'
  | 'disconnect'
  | 'disconnectLater'
  | 'disconnectNow'
  | 'reset'
  | 'timeoutMaximum'
  | 'timeoutLimit';

export function isConnectedState(state: PeerState): boolean {
  return state === S.STATE_CONNECTED || state === S.STATE_DISCONNECT_LATER;
}

/** The part of a peer transition() touches. */
export interface TransitionSubject {
  state: PeerState;
  incomingBandwidth: number;
  readonly incomingPeerID: number;
  readonly host: TransitionHost;
}

export interface TransitionHost {
  connectedPeers: number;
  bandwidthLimitedPeers: number;
  onPeerStateChange: ((peerIndex: number, from: PeerState, to: PeerState, cause: TransitionCause) => void) | null;
}

export function transition(peer: TransitionSubject, to: PeerState, cause: TransitionCause): void {
  const from = peer.state;
  if (from !== to && !ALLOWED[from].includes(to)) {
    throw new Error(`peer state machine: ${PEER_STATE_NAMES[from]} → ${PEER_STATE_NAMES[to]} (${cause}) is not an ENet transition`);
  }
  const wasConnected = isConnectedState(from);
  const isConnected = isConnectedState(to);
  const host = peer.host;
  if (!wasConnected && isConnected) {
    if (peer.incomingBandwidth !== 0) host.bandwidthLimitedPeers++;
    host.connectedPeers++;
  } else if (wasConnected && !isConnected) {
    if (peer.incomingBandwidth !== 0) host.bandwidthLimitedPeers--;
    host.connectedPeers--;
  }
  peer.state = to;
  if (from !== to && host.onPeerStateChange !== null) host.onPeerStateChange(peer.incomingPeerID, from, to, cause);
}
