// The ordering rules of test/support/lockstep.ts, checked with a scripted HostLike (no libenet), so
// that a trace difference between libenet and the TypeScript core can never come from the loop.

import { describe, expect, test } from 'vitest';

import type { HostEventLike, HostLike, HostDump, HostSnapshot, PeerObservation,
  PeerSnapshot, SentDatagram, WireAddress } from '../support/host-like.js';
import { ipv4Address, runLockstep, type LockstepHost } from '../support/lockstep.js';

/**
 * Receives datagrams; each service call turns one received datagram into a RECEIVE event and, when
 * `echo` is set, sends it back to its source. Logs every service call as "name@nowMs".
 */
class EchoHost implements HostLike {
  private readonly inbox: { source: WireAddress; bytes: Uint8Array }[] = [];
  private outbox: SentDatagram[] = [];

  constructor(
    private readonly name: string,
    private readonly echo: boolean,
    private readonly serviceLog: string[],
  ) {}

  /** Queues a datagram as if a flush had sent it. */
  sendNow(address: WireAddress, bytes: Uint8Array): void {
    this.outbox.push({ address, bytes });
  }

  deliver(source: WireAddress, bytes: Uint8Array): void {
    this.inbox.push({ source, bytes });
  }

  service(nowMs: number): { result: number; event: HostEventLike } {
    this.serviceLog.push(`${this.name}@${nowMs}`);
    const received = this.inbox.shift();
    if (received === undefined) return { result: 0, event: { type: 'none' } };
    if (this.echo) this.outbox.push({ address: received.source, bytes: received.bytes });
    return { result: 1, event: { type: 'receive', peerIndex: 0, channelID: 0, flags: 0, data: received.bytes } };
  }

  takeSent(): SentDatagram[] {
    const sent = this.outbox;
    this.outbox = [];
    return sent;
  }

  checkEvents(): { result: number; event: HostEventLike } {
    return { result: 0, event: { type: 'none' } };
  }

  flush(): void {}
  connect(): number {
    return unsupported();
  }
  broadcast(): void {
    unsupported();
  }
  bandwidthLimit(): void {
    unsupported();
  }
  channelLimit(): void {
    unsupported();
  }
  peerSend(): number {
    return unsupported();
  }
  peerDisconnect(): void {
    unsupported();
  }
  peerDisconnectLater(): void {
    unsupported();
  }
  peerDisconnectNow(): void {
    unsupported();
  }
  peerReset(): void {
    unsupported();
  }
  peerPing(): void {
    unsupported();
  }
  peerPingInterval(): void {
    unsupported();
  }
  peerTimeout(): void {
    unsupported();
  }
  peerSetPacketThrottle(): void {
    unsupported();
  }
  observePeers(): PeerObservation {
    return unsupported();
  }
  peerThrottleConfigure(): void {
    unsupported();
  }
  peer(): PeerSnapshot {
    return unsupported();
  }
  host(): HostSnapshot {
    return unsupported();
  }
  dump(): HostDump {
    return unsupported();
  }
  destroy(): void {}
}

function unsupported(): never {
  throw new Error('EchoHost does not implement this call');
}

const A_ADDRESS = ipv4Address('10.0.0.1', 1);
const B_ADDRESS = ipv4Address('10.0.0.2', 2);
const NOWHERE = ipv4Address('10.0.0.9', 9);

function pair(serviceLog: string[]): { a: EchoHost; hosts: LockstepHost[] } {
  const a = new EchoHost('a', false, serviceLog);
  const b = new EchoHost('b', true, serviceLog);
  return {
    a,
    hosts: [
      { name: 'a', address: A_ADDRESS, host: a },
      { name: 'b', address: B_ADDRESS, host: b },
    ],
  };
}

describe('runLockstep', () => {
  test('a datagram sent at tick t is serviced at t + latency; hosts are serviced in array order', () => {
    const serviceLog: string[] = [];
    const { hosts } = pair(serviceLog);
    const trace = runLockstep({
      hosts,
      latencyMs: 3,
      startMs: 100,
      untilMs: 110,
      onTick: ({ nowMs, host }) => {
        if (nowMs === 100) (host('a') as EchoHost).sendNow(B_ADDRESS, Uint8Array.of(7));
      },
    });

    expect(trace.datagrams.map((d) => [d.sequence, d.sentAtMs, d.deliverAtMs, d.from, d.to])).toEqual([
      [0, 100, 103, 'a', 'b'],
      [1, 103, 106, 'b', 'a'],
    ]);
    expect(trace.datagrams[1]!.destination).toEqual(A_ADDRESS);
    expect(trace.events.map((e) => `${e.atMs} ${e.host} ${e.event.type}`)).toEqual(['103 b receive', '106 a receive']);
    // One none-returning call per host per tick, plus one per event; a before b.
    expect(serviceLog.slice(0, 4)).toEqual(['a@100', 'b@100', 'a@101', 'b@101']);
    expect(serviceLog.filter((entry) => entry === 'b@103')).toHaveLength(2);
    expect(trace.endMs).toBe(110);
  });

  test('a datagram to an unknown address is recorded with to: null and never delivered', () => {
    const { hosts } = pair([]);
    const trace = runLockstep({
      hosts,
      latencyMs: 1,
      startMs: 0,
      untilMs: 5,
      onTick: ({ nowMs, host }) => {
        if (nowMs === 0) (host('a') as EchoHost).sendNow(NOWHERE, Uint8Array.of(1));
      },
    });

    expect(trace.datagrams.map((d) => [d.to, d.deliverAtMs])).toEqual([[null, null]]);
    expect(trace.events).toEqual([]);
  });

  test('serviceEveryMs services only every nth tick; deliveries wait in the inbox; stopWhen ends the run', () => {
    const serviceLog: string[] = [];
    const { hosts } = pair(serviceLog);
    const trace = runLockstep({
      hosts,
      latencyMs: 2,
      startMs: 10,
      untilMs: 1000,
      serviceEveryMs: 5,
      onTick: ({ nowMs, host }) => {
        if (nowMs === 11) (host('a') as EchoHost).sendNow(B_ADDRESS, Uint8Array.of(1));
      },
      stopWhen: (soFar) => soFar.events.some((e) => e.host === 'a'),
    });

    // Sent at 11, in b's inbox at 13, serviced at 15 and echoed; in a's inbox at 17, serviced at 20.
    expect(trace.events.map((e) => `${e.atMs} ${e.host}`)).toEqual(['15 b', '20 a']);
    expect(new Set(serviceLog.map((entry) => Number(entry.split('@')[1])))).toEqual(new Set([10, 15, 20]));
    expect(trace.endMs).toBe(20);
  });

  test('bounds: latency below 1 ms and endless event streams are refused', () => {
    const { hosts } = pair([]);
    expect(() => runLockstep({ hosts, latencyMs: 0, startMs: 0, untilMs: 1 })).toThrow('latencyMs must be an integer ≥ 1');
    const chatty = new EchoHost('chatty', false, []);
    for (let index = 0; index < 5; index++) chatty.deliver(A_ADDRESS, Uint8Array.of(index));
    expect(() =>
      runLockstep({
        hosts: [{ name: 'chatty', address: B_ADDRESS, host: chatty }],
        latencyMs: 1,
        startMs: 0,
        untilMs: 0,
        maxEventsPerService: 3,
      }),
    ).toThrow('host chatty produced more than 3 events at 0 ms');
  });
});
