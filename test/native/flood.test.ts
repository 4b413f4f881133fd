// A hostile network against the real-socket host, over loopback: a flood of CONNECTs from many
// sockets, and a flood of first fragments of huge packets. ENet's limits hold (peer slots,
// maximumPacketSize, maximumWaitingData), memory stays bounded, and a legitimate client is served.
import * as dgram from 'node:dgram';
import { describe, expect, test } from 'vitest';

import { Field, newCommand, writeU16, writeU32 } from '../../src/enet/codec.js';
import { COMMAND_FLAG_ACKNOWLEDGE, Command, PacketFlag, PeerState } from '../../src/enet/constants.js';
import { ipv4ToWire } from '../../src/enet/godot.js';
import { Host } from '../../src/enet/host.js';
import { OutgoingCommand, Packet, type Peer } from '../../src/enet/peer.js';
import { UdpHost, type UdpHostEvent } from '../../src/native/udp.js';
import { SlotWatch, serveCommand, SERVE_DEFAULTS } from '../../src/cli/commands/serve.js';

const LOOPBACK = '127.0.0.1';

function openSocket(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => resolve(socket));
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** Commands a host holds for its peers: what a flood could make it accumulate. */
function queuedCommandCount(host: Host): number {
  let count = 0;
  for (const peer of host.peers) {
    count += peer.sentReliableCommands.size() + peer.outgoingCommands.size() + peer.outgoingSendReliableCommands.size() + peer.acknowledgements.size();
  }
  return count;
}

/** Real CONNECT datagrams with distinct connect ids, built by throwaway core hosts (one per socket). */
function connectDatagrams(serverPort: number, socketIndex: number, count: number): Uint8Array[] {
  const builder = new Host({ peerCount: count, randomSeed: 0x9e3779b9 ^ socketIndex, profile: '1.3.17' });
  for (let index = 0; index < count; index++) builder.connect({ host: ipv4ToWire(LOOPBACK)!, port: serverPort }, 1, 0);
  builder.service(1000);
  return builder.pollDatagrams().map((datagram) => datagram.data);
}

/** A client that echoes nothing and records events. */
async function openClient(): Promise<{ udp: UdpHost; events: UdpHostEvent[] }> {
  const udp = await UdpHost.open({ peerCount: 1, serviceIntervalMs: 1 });
  const events: UdpHostEvent[] = [];
  udp.onEvent = (event) => events.push(event);
  return { udp, events };
}

/** An echo server: every packet goes back on its channel with its flags. */
function echoEverything(server: UdpHost, events: UdpHostEvent[]): void {
  server.onEvent = (event) => {
    events.push(event);
    if (event.type === 'receive') server.send(event.peer, event.channelID, event.packet.data, event.packet.flags);
  };
}

async function echoRoundTrip(client: { udp: UdpHost; events: UdpHostEvent[] }, peer: Peer, sizeBytes: number): Promise<boolean> {
  const payload = new Uint8Array(sizeBytes).map((_, index) => (index * 13 + 5) & 0xff);
  expect(client.udp.send(peer, 0, payload, PacketFlag.reliable).ok).toBe(true);
  const echoed = await client.udp.waitUntil(() => client.events.some((event) => event.type === 'receive'), 5000);
  const echo = client.events.find((event): event is Extract<UdpHostEvent, { type: 'receive' }> => event.type === 'receive');
  return echoed && echo !== undefined && Buffer.compare(echo.packet.data, payload) === 0;
}

describe('flood: the real-socket host keeps ENet limits', () => {
  test('2 000 CONNECTs from 500 sockets fill the 16 slots and no more; a real client gets in once half-open slots time out', { timeout: 20_000 }, async () => {
    const SOCKET_COUNT = 500;
    const CONNECTS_PER_SOCKET = 4;
    const PEER_COUNT = 16;
    const HALF_OPEN_TIMEOUT_MS = 1000;
    const server = await UdpHost.open({
      peerCount: PEER_COUNT,
      serviceIntervalMs: 1,
      peerTimeout: { limit: 0, minimumMs: HALF_OPEN_TIMEOUT_MS, maximumMs: HALF_OPEN_TIMEOUT_MS },
    });
    const serverEvents: UdpHostEvent[] = [];
    echoEverything(server, serverEvents);
    const attackers: dgram.Socket[] = [];
    let client: { udp: UdpHost; events: UdpHostEvent[] } | null = null;
    try {
      const repliesBySocket = new Map<number, number>();
      for (let index = 0; index < SOCKET_COUNT; index++) {
        const socket = await openSocket();
        socket.on('message', () => repliesBySocket.set(index, (repliesBySocket.get(index) ?? 0) + 1));
        attackers.push(socket);
      }
      const port = server.localAddress.port;
      attackers.forEach((socket, index) => {
        for (const datagram of connectDatagrams(port, index, CONNECTS_PER_SOCKET)) socket.send(datagram, port, LOOPBACK);
      });
      const total = SOCKET_COUNT * CONNECTS_PER_SOCKET;
      expect(await server.waitUntil(() => server.stats.datagramsReceived >= total, 5000), 'the server read every CONNECT').toBe(true);

      // Every slot is half-open, the rest of the flood was ignored: no event, no peer, no queue growth.
      const halfOpen = server.host.peers.filter((peer) => peer.state === PeerState.STATE_ACKNOWLEDGING_CONNECT);
      expect(server.host.peers).toHaveLength(PEER_COUNT);
      expect(halfOpen).toHaveLength(PEER_COUNT);
      expect(serverEvents).toEqual([]);
      expect(repliesBySocket.size, 'only the sockets that got a slot hear back').toBeLessThanOrEqual(PEER_COUNT);
      const queued = queuedCommandCount(server.host);
      expect(queued, 'one VERIFY_CONNECT per slot').toBeLessThanOrEqual(PEER_COUNT);
      expect(server.host.pendingDatagramCount).toBe(0);

      // A legitimate client connects now: its CONNECTs are ignored until the half-open slots time out.
      client = await openClient();
      const connectStartedMs = performance.now();
      const started = client.udp.connect({ address: LOOPBACK, port }, 1, 42);
      if (!started.ok) throw new Error(started.reason);
      const connected = await client.udp.waitUntil(() => client!.events.some((event) => event.type === 'connect'), 10_000);
      const connectMs = Math.round(performance.now() - connectStartedMs);
      expect(connected, 'the legitimate client connects').toBe(true);
      expect(connectMs, 'not before the half-open slots time out').toBeGreaterThanOrEqual(HALF_OPEN_TIMEOUT_MS - 100);
      // The server's CONNECT event follows the acknowledgement of its VERIFY_CONNECT.
      expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'connect'), 2000)).toBe(true);
      expect(serverEvents.filter((event) => event.type === 'connect').map((event) => event.data)).toEqual([42]);
      expect(await echoRoundTrip(client, started.peer, 10_000), 'the server echoes its packet').toBe(true);
      console.info(
        `[flood] ${total} CONNECTs from ${SOCKET_COUNT} sockets: ${halfOpen.length}/${PEER_COUNT} slots half-open, ` +
          `${total - PEER_COUNT} ignored, ${queued} commands queued, ${repliesBySocket.size} sockets answered; ` +
          `stopped commands ${JSON.stringify(server.host.stoppedCommands)}; legitimate client connected after ${connectMs} ms`,
      );
    } finally {
      await client?.udp.close();
      await Promise.all(attackers.map(closeSocket));
      await server.close();
    }
  });

  test('first fragments of huge packets: each is refused above maximumPacketSize, and a peer holds at most maximumWaitingData (+ one packet)', { timeout: 20_000 }, async () => {
    const MAXIMUM_PACKET_SIZE_BYTES = 1024 * 1024;
    const MAXIMUM_WAITING_DATA_BYTES = 4 * 1024 * 1024;
    const FRAGMENT_BYTES = 1000;
    const HUGE_PACKET_COUNT = 64;
    const server = await UdpHost.open({
      peerCount: 4,
      serviceIntervalMs: 1,
      maximumPacketSizeBytes: MAXIMUM_PACKET_SIZE_BYTES,
      maximumWaitingDataBytes: MAXIMUM_WAITING_DATA_BYTES,
    });
    const serverEvents: UdpHostEvent[] = [];
    echoEverything(server, serverEvents);
    const attacker = await openClient();
    let client: { udp: UdpHost; events: UdpHostEvent[] } | null = null;
    try {
      const port = server.localAddress.port;
      const started = attacker.udp.connect({ address: LOOPBACK, port }, 1, 0);
      if (!started.ok) throw new Error(started.reason);
      expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
      const serverPeer = serverEvents.find((event) => event.type === 'connect')!.peer;

      // The attacker sends only fragment 0 of each packet: the server allocates the whole packet on
      // the first fragment it sees, and no packet ever completes. Every other one claims twice the limit.
      const peer = started.peer;
      const channel = peer.channels[0]!;
      const fragment = new Packet(new Uint8Array(FRAGMENT_BYTES).fill(0xa5), PacketFlag.reliable);
      for (let index = 0; index < HUGE_PACKET_COUNT; index++) {
        const totalLength = index % 2 === 0 ? MAXIMUM_PACKET_SIZE_BYTES : 2 * MAXIMUM_PACKET_SIZE_BYTES;
        const command = newCommand(Command.sendFragment | COMMAND_FLAG_ACKNOWLEDGE, 0);
        writeU16(command, Field.startSequenceNumber, (channel.outgoingReliableSequenceNumber + 1) & 0xffff);
        writeU16(command, Field.fragmentDataLength, FRAGMENT_BYTES);
        writeU32(command, Field.fragmentCount, Math.ceil(totalLength / FRAGMENT_BYTES));
        writeU32(command, Field.fragmentNumber, 0);
        writeU32(command, Field.totalLength, totalLength);
        writeU32(command, Field.fragmentOffset, 0);
        peer.setupOutgoingCommand(new OutgoingCommand(command, fragment, 0, FRAGMENT_BYTES));
      }
      // Give the attack time to land and the attacker time to retransmit what was refused.
      await server.waitUntil(() => false, 1500);

      const bufferedPackets = serverPeer.channels[0]!.incomingReliableCommands.size();
      const waitingBytes = serverPeer.totalWaitingData;
      expect(waitingBytes, 'waiting data stops at the first packet that reaches the limit').toBeLessThanOrEqual(MAXIMUM_WAITING_DATA_BYTES - 1 + MAXIMUM_PACKET_SIZE_BYTES);
      expect(waitingBytes).toBe(MAXIMUM_WAITING_DATA_BYTES);
      expect(bufferedPackets, 'buffers held: maximumWaitingData / totalLength').toBe(MAXIMUM_WAITING_DATA_BYTES / MAXIMUM_PACKET_SIZE_BYTES);
      for (let node = serverPeer.channels[0]!.incomingReliableCommands.begin(); node !== serverPeer.channels[0]!.incomingReliableCommands.end(); node = node.next) {
        expect((node as unknown as { packet: Packet }).packet.data.length, 'no buffer above maximumPacketSize').toBeLessThanOrEqual(MAXIMUM_PACKET_SIZE_BYTES);
      }
      expect(server.host.stoppedCommands.commandRefused ?? 0, 'refused fragments').toBeGreaterThan(0);
      expect(serverEvents.filter((event) => event.type === 'receive'), 'nothing is delivered from incomplete packets').toEqual([]);

      // A legitimate client on the same server is served normally.
      client = await openClient();
      const legit = client.udp.connect({ address: LOOPBACK, port }, 1, 7);
      if (!legit.ok) throw new Error(legit.reason);
      expect(await client.udp.waitUntil(() => client!.events.some((event) => event.type === 'connect'), 5000), 'the legitimate client connects').toBe(true);
      expect(await echoRoundTrip(client, legit.peer, 100_000), 'and gets its 100 000-byte packet echoed').toBe(true);
      console.info(
        `[flood] ${HUGE_PACKET_COUNT} first fragments (half of 1 MiB packets, half of 2 MiB): the peer holds ${bufferedPackets} buffers, ` +
          `${waitingBytes} bytes waiting (maximumWaitingData ${MAXIMUM_WAITING_DATA_BYTES}, bound ${MAXIMUM_WAITING_DATA_BYTES - 1 + MAXIMUM_PACKET_SIZE_BYTES}); ` +
          `stopped commands ${JSON.stringify(server.host.stoppedCommands)}; legitimate client served`,
      );
    } finally {
      await client?.udp.close();
      await attacker.udp.close();
      await server.close();
    }
  });
});

describe('serve: a CONNECT flood that locks clients out is reported', () => {
  const { STATE_DISCONNECTED: FREE, STATE_ACKNOWLEDGING_CONNECT: HALF_OPEN, STATE_CONNECTED: CONNECTED } = PeerState;

  test('SlotWatch: every slot half-open starts one episode; it is reported once, and its end once', () => {
    const watch = new SlotWatch();
    expect(watch.observe([FREE, HALF_OPEN], 0)).toBeNull();
    expect(watch.observe([HALF_OPEN, HALF_OPEN], 0)).toEqual({ kind: 'lockedOut', slotsCount: 2, halfOpenCount: 2 });
    expect(watch.observe([HALF_OPEN, HALF_OPEN], 5)).toBeNull();
    expect(watch.observe([HALF_OPEN, HALF_OPEN], 9)).toBeNull();
    expect(watch.observe([FREE, HALF_OPEN], 9)).toEqual({ kind: 'freed', slotsCount: 2 });
    expect(watch.observe([FREE, HALF_OPEN], 9)).toBeNull();
  });

  test('SlotWatch: a full server of real peers is no lock-out until a CONNECT is refused', () => {
    const watch = new SlotWatch();
    expect(watch.observe([CONNECTED, CONNECTED], 0)).toBeNull();
    expect(watch.observe([CONNECTED, CONNECTED], 0)).toBeNull();
    expect(watch.observe([CONNECTED, HALF_OPEN], 1)).toEqual({ kind: 'lockedOut', slotsCount: 2, halfOpenCount: 1 });
  });

  test('serve prints one warning naming --peer-timeout-ms when a flood takes every slot, and says when a slot frees', { timeout: 20_000 }, async () => {
    const lines: string[] = [];
    const io = { stdout: (text: string) => void lines.push(...text.trimEnd().split('\n')), stderr: (text: string) => void lines.push(`stderr: ${text}`) };
    const controller = new AbortController();
    const served = serveCommand({ ...SERVE_DEFAULTS, port: 0, peers: 4, peerTimeoutMs: 1000 }, io, controller.signal);
    const attackers: dgram.Socket[] = [];
    try {
      const deadline = performance.now() + 5000;
      while (!lines.some((line) => line.startsWith('listening on')) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines.find((line) => line.startsWith('listening on'))!)![1]);
      for (let index = 0; index < 8; index++) {
        const socket = await openSocket();
        attackers.push(socket);
        for (const datagram of connectDatagrams(port, index, 4)) socket.send(datagram, port, LOOPBACK);
      }
      const warned = (): string[] => lines.filter((line) => line.includes('peer slots are taken'));
      const freed = (): string[] => lines.filter((line) => line.includes('a peer slot is free again'));
      const waitFor = async (predicate: () => boolean, timeoutMs: number): Promise<boolean> => {
        const until = performance.now() + timeoutMs;
        while (!predicate() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
        return predicate();
      };
      expect(await waitFor(() => warned().length > 0, 3000), 'the lock-out is reported').toBe(true);
      expect(warned()[0]).toMatch(/^warning: all 4 peer slots are taken \(4 by handshakes that have not completed\): new CONNECTs are ignored, so clients cannot connect until --peer-timeout-ms \(1000 ms\) drops a slot\..*--peer-timeout-ms N frees half-open slots/);
      expect(await waitFor(() => freed().length > 0, 5000), 'and its end, once the half-open slots time out').toBe(true);
      expect(warned(), 'once per episode').toHaveLength(1);
    } finally {
      controller.abort();
      await served;
      await Promise.all(attackers.map(closeSocket));
    }
  });
});
