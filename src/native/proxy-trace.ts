// A live proxy session written in the simulator's trace format (src/trace/trace.ts), so the outputs
// that read a run's trace (--html, --pcap, --explain, expectations) read a live session too.
//
// What a passive observer can know is written; what it cannot is left out, never made up:
// - datagrams: `sent` when one reaches the proxy from its sender, `dropped` with the link rule's reason
//   or the proxy's own (proxyQueueFull, clientLimit, expired, sendFailed), `delivered` when the proxy
//   forwards it; copies and corrupted copies flagged as the simulator flags them;
// - peer states inferred from the commands seen (CONNECT, VERIFY_CONNECT and its ACK, DISCONNECT and
//   its ACK), each with a cause that starts with "inferred:";
// - actions: the proxy's links at the start, clients mapped, expired and refused;
// - never: statistics samples (the endpoints' ENet keeps them) or application events. The connect and
//   disconnect events the endpoints' ENet most likely raised are kept apart (`wireEvents`) for the
//   expectations, and are not part of the trace.
import { Command } from '../enet/constants.js';
import type { DecodedCommand } from '../enet/codec.js';
import { hashBytes, Trace, type HostTraceEvent, type TraceEvent } from '../trace/trace.js';
import type { WireReadResult } from './wire-reader.js';
import type { ProxyDatagramEvent, ProxyDirection, ProxyEvent } from './proxy.js';
import type { SocketAddress } from './udp.js';

/** The server's name in a proxy trace; clients are `client-1`, `client-2`... in the order the proxy first saw them. */
export const PROXY_SERVER_NAME = 'server';

export function proxyClientName(client: number): string {
  return `client-${client}`;
}

/** A client the proxy refused (--max-clients) has no name: it is written as its address, as the simulator writes an unknown destination. */
export function addressName(address: SocketAddress): string {
  return address.address.includes(':') ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/**
 * Trace events recorded at most for one session (the same bound as a simulated run's trace, scaled down:
 * a live session keeps its trace in memory until it ends). Beyond it recording stops and `truncated` is set.
 */
export const PROXY_TRACE_EVENTS_MAX = 4_000_000;

/**
 * A trace's `atMs` for a wall-clock instant: the whole ms since the proxy started (rounded down), the
 * simulator's precision. It is also the ms the proxy gives the link, so a datagram's `sent` time is
 * the time its fate was drawn at.
 */
export function traceMs(atMs: number): number {
  return Math.floor(atMs);
}

type Side = 'client' | 'server';

/** What the recorder knows of one client's connection. */
interface Connection {
  name: string;
  /** The state each side's peer is in, as inferred: `client` is client-N->server, `server` is server->client-N. */
  state: Record<Side, string>;
  /** The CONNECT's `data` (the server's connect event carries it). */
  connectData: number;
  /** Reliable sequence number of the server's VERIFY_CONNECT, once sent. */
  verifyConnectSequence: number | null;
  /** Reliable sequence number of each side's DISCONNECT awaiting its ACK. */
  disconnectSequence: Record<Side, number | null>;
}

function senderOf(direction: ProxyDirection): Side {
  return direction === 'up' ? 'client' : 'server';
}

function otherSide(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

/**
 * Turns the proxy's datagram steps and events into a trace. Hand it every {@link ProxyDatagramEvent}
 * and {@link ProxyEvent} in the order the proxy reports them; read `trace` and `wireEvents` at the end.
 */
export class ProxyTraceRecorder {
  readonly trace: Trace;
  /**
   * Connect and disconnect events as the wire shows them, for expectations only: connect on the client
   * when VERIFY_CONNECT is forwarded to it, on the server when the ACK of VERIFY_CONNECT is; disconnect
   * on the receiver of a DISCONNECT (with its data) when it is forwarded, on its sender (data 0) when its
   * ACK is. A timeout, or a reset without DISCONNECT, leaves no trace on the wire and is not here.
   */
  readonly wireEvents: HostTraceEvent[] = [];
  private readonly connections = new Map<number, Connection>();
  /** The latest `atMs` recorded: a trace's events are in time order, and callbacks that read the clock late (a socket's bind) never go back. */
  private lastAtMs = 0;

  /** @param keepDatagramBytes - keep each datagram's bytes beside the trace (needed for --pcap). */
  constructor(keepDatagramBytes: boolean, eventsMax = PROXY_TRACE_EVENTS_MAX) {
    this.trace = new Trace(true, eventsMax, keepDatagramBytes);
  }

  get events(): readonly TraceEvent[] {
    return this.trace.events;
  }

  /** An action (a link setting, a link change, a client mapped...), at ms since the proxy started. */
  recordAction(atMs: number, action: string, detail?: Record<string, unknown>, host?: string): void {
    this.trace.record({ kind: 'action', atMs: this.at(atMs), ...(host !== undefined ? { host } : {}), action, ...(detail !== undefined ? { detail } : {}) });
  }

  handleEvent(event: ProxyEvent): void {
    switch (event.type) {
      case 'client':
        this.recordAction(event.atMs, 'client mapped', { address: event.address.address, port: event.address.port, upstreamPort: event.upstreamPort }, proxyClientName(event.client));
        break;
      case 'expired':
        this.recordAction(event.atMs, 'client expired', { address: event.address.address, port: event.address.port }, proxyClientName(event.client));
        break;
      case 'refused':
        this.recordAction(event.atMs, 'client refused', { address: event.address.address, port: event.address.port, maxClients: event.maxClients });
        break;
      default:
        // Handshakes and disconnects are read from the datagrams themselves (handleDatagram).
        break;
    }
  }

  handleDatagram(event: ProxyDatagramEvent): void {
    const atMs = this.at(event.atMs);
    const clientName = event.client === null ? addressName(event.address) : proxyClientName(event.client);
    const [from, to] = event.direction === 'up' ? [clientName, PROXY_SERVER_NAME] : [PROXY_SERVER_NAME, clientName];
    switch (event.phase) {
      case 'sent':
        this.trace.recordDatagram({ kind: 'datagram', atMs, phase: 'sent', id: event.id, from, to, sizeBytes: event.bytes.length, bytesHash: hashBytes(event.bytes), commands: describeRead(event.read) }, event.bytes);
        if (event.client !== null) this.readSent(this.connection(event.client), event.direction, event.read, atMs);
        break;
      case 'dropped':
        this.trace.record({ kind: 'datagram', atMs, phase: 'dropped', id: event.id, from, to, sizeBytes: event.sizeBytes, reason: event.reason });
        break;
      case 'delivered': {
        const delivered = { kind: 'datagram', atMs, phase: 'delivered', id: event.id, from, to, sizeBytes: event.bytes.length, ...(event.duplicate ? { duplicate: true } : {}), ...(event.corrupted ? { corrupted: true } : {}) } as const;
        // As in the simulator, only a corrupted copy's bytes differ from those kept at `sent`.
        if (event.corrupted) this.trace.recordDatagram(delivered, event.bytes);
        else this.trace.record(delivered);
        // A corrupted copy is read as its receiver reads it: whatever its bytes now say.
        this.readDelivered(this.connection(event.client), event.direction, event.read, atMs);
        break;
      }
    }
  }

  private at(atMs: number): number {
    this.lastAtMs = Math.max(this.lastAtMs, traceMs(atMs));
    return this.lastAtMs;
  }

  private connection(client: number): Connection {
    let connection = this.connections.get(client);
    if (connection === undefined) {
      connection = {
        name: proxyClientName(client),
        state: { client: 'STATE_DISCONNECTED', server: 'STATE_DISCONNECTED' },
        connectData: 0,
        verifyConnectSequence: null,
        disconnectSequence: { client: null, server: null },
      };
      this.connections.set(client, connection);
    }
    return connection;
  }

  /** The host and peer names of one side's peer. */
  private peerOf(connection: Connection, side: Side): { host: string; peer: string } {
    return side === 'client' ? { host: connection.name, peer: PROXY_SERVER_NAME } : { host: PROXY_SERVER_NAME, peer: connection.name };
  }

  private transition(connection: Connection, side: Side, to: string, atMs: number, cause: string): void {
    const from = connection.state[side];
    if (from === to) return;
    connection.state[side] = to;
    this.trace.record({ kind: 'state', atMs, ...this.peerOf(connection, side), from, to, cause: `inferred: ${cause}` });
  }

  private wireEvent(connection: Connection, side: Side, type: 'connect' | 'disconnect', data: number, atMs: number): void {
    const { host, peer } = this.peerOf(connection, side);
    this.wireEvents.push({ kind: 'event', atMs, host, type, peer, data });
  }

  /** A datagram that reached the proxy from its sender: what the sender did. */
  private readSent(connection: Connection, direction: ProxyDirection, read: WireReadResult, atMs: number): void {
    const sender = senderOf(direction);
    for (const command of commandsOf(read)) {
      if (command.command === Command.connect && sender === 'client') {
        connection.connectData = command.fields['data'] ?? 0;
        if (connection.state.client === 'STATE_DISCONNECTED') this.transition(connection, 'client', 'STATE_CONNECTING', atMs, 'CONNECT left the client');
      } else if (command.command === Command.verifyConnect && sender === 'server') {
        connection.verifyConnectSequence = command.reliableSequenceNumber;
      } else if (command.command === Command.disconnect && isConnectedOrConnecting(connection.state[sender])) {
        if (command.acknowledge) {
          connection.disconnectSequence[sender] = command.reliableSequenceNumber;
          this.transition(connection, sender, 'STATE_DISCONNECTING', atMs, `DISCONNECT left the ${sender}`);
        } else {
          // disconnect_now: sent once, unacknowledged, and the sender forgets the peer at once.
          this.transition(connection, sender, 'STATE_DISCONNECTED', atMs, `an unacknowledged DISCONNECT left the ${sender} (disconnect_now)`);
        }
      }
    }
  }

  /** A datagram the proxy forwarded to its receiver: what the receiver's ENet got. */
  private readDelivered(connection: Connection, direction: ProxyDirection, read: WireReadResult, atMs: number): void {
    const receiver = otherSide(senderOf(direction));
    for (const command of commandsOf(read)) {
      if (command.command === Command.connect && receiver === 'server') {
        if (connection.state.server === 'STATE_DISCONNECTED') this.transition(connection, 'server', 'STATE_ACKNOWLEDGING_CONNECT', atMs, 'CONNECT reached the server');
      } else if (command.command === Command.verifyConnect && receiver === 'client') {
        if (connection.state.client === 'STATE_CONNECTING') {
          this.transition(connection, 'client', 'STATE_CONNECTED', atMs, 'VERIFY_CONNECT reached the client');
          this.wireEvent(connection, 'client', 'connect', 0, atMs);
        }
      } else if (command.command === Command.disconnect) {
        if (isConnectedOrConnecting(connection.state[receiver]) || connection.state[receiver] === 'STATE_DISCONNECTING') {
          this.transition(connection, receiver, 'STATE_DISCONNECTED', atMs, `DISCONNECT reached the ${receiver}`);
          this.wireEvent(connection, receiver, 'disconnect', command.fields['data'] ?? 0, atMs);
        }
      } else if (command.command === Command.acknowledge && command.channelID === 0xff) {
        const acknowledged = command.fields['receivedReliableSequenceNumber'];
        if (receiver === 'server' && connection.state.server === 'STATE_ACKNOWLEDGING_CONNECT' && acknowledged === connection.verifyConnectSequence) {
          this.transition(connection, 'server', 'STATE_CONNECTED', atMs, 'the ACK of VERIFY_CONNECT reached the server');
          this.wireEvent(connection, 'server', 'connect', connection.connectData, atMs);
        } else if (connection.state[receiver] === 'STATE_DISCONNECTING' && acknowledged === connection.disconnectSequence[receiver]) {
          connection.disconnectSequence[receiver] = null;
          this.transition(connection, receiver, 'STATE_DISCONNECTED', atMs, `the ACK of its DISCONNECT reached the ${receiver}`);
          this.wireEvent(connection, receiver, 'disconnect', 0, atMs);
        }
      }
    }
  }
}

function isConnectedOrConnecting(state: string): boolean {
  return state === 'STATE_CONNECTED' || state === 'STATE_CONNECTING' || state === 'STATE_ACKNOWLEDGING_CONNECT';
}

function commandsOf(read: WireReadResult): readonly DecodedCommand[] {
  return read.ok ? read.commands : [];
}

/**
 * The `commands` of a sent datagram as the simulator writes them ("SEND_RELIABLE ch0 #3"), from the
 * proxy's reading: a compressed or checksummed datagram is listed too, since the reader learned the
 * framing; one it could not read is listed by the reason.
 */
function describeRead(read: WireReadResult): string[] {
  return read.ok ? read.commands.map((command) => `${command.name} ch${command.channelID} #${command.reliableSequenceNumber}`) : [read.reason];
}
