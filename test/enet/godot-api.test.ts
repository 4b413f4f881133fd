// The Godot-shaped API (ENetConnection, ENetPacketPeer): every public member is exercised through a
// small in-process loop of two connections with a virtual clock and a 10 ms one-way delay.
import { describe, expect, test } from 'vitest';
import {
  CompressionMode,
  ENetConnection,
  EventType,
  FLAG_RELIABLE,
  FLAG_UNRELIABLE_FRAGMENT,
  FLAG_UNSEQUENCED,
  GodotError,
  HostStatistic,
  PACKET_LOSS_SCALE,
  PACKET_THROTTLE_SCALE,
  PeerState,
  PeerStatistic,
  wireToIpv4,
  type ENetPacketPeer,
  type ServiceEvent,
} from '../../src/enet/index.js';

/** Two ENetConnections joined by a 10 ms link, serviced every ms like a game loop would. */
class World {
  nowMs = 10_000;
  readonly events: { atMs: number; who: string; event: ServiceEvent }[] = [];
  private readonly inFlight: { atMs: number; to: ENetConnection; from: string; port: number; data: Uint8Array }[] = [];
  readonly server = new ENetConnection({ clock: () => this.nowMs, randomSeed: 7 });
  readonly client = new ENetConnection({ clock: () => this.nowMs, randomSeed: 9, localAddress: { address: '10.0.0.1', port: 5000 } });

  constructor() {
    expect(this.server.createHostBound('10.0.0.2', 7777, 8, 4)).toBe(GodotError.OK);
    expect(this.client.createHost(1, 4)).toBe(GodotError.OK);
  }

  step(ms: number): void {
    for (let index = 0; index < ms; index++) {
      this.nowMs++;
      for (const datagram of this.inFlight.filter((item) => item.atMs <= this.nowMs)) {
        datagram.to.handleDatagram(datagram.from, datagram.port, datagram.data);
      }
      this.inFlight.splice(0, this.inFlight.length, ...this.inFlight.filter((item) => item.atMs > this.nowMs));
      this.pump('server', this.server);
      this.pump('client', this.client);
    }
  }

  private pump(who: string, connection: ENetConnection): void {
    for (let call = 0; call < 100; call++) {
      const event = connection.service();
      if (event[0] === EventType.EVENT_NONE) break;
      this.events.push({ atMs: this.nowMs, who, event });
    }
    const [from, port, to] = who === 'server' ? ['10.0.0.2', 7777, this.client] : ['10.0.0.1', 5000, this.server];
    for (const datagram of connection.pollDatagrams()) this.inFlight.push({ atMs: this.nowMs + 10, to, from, port, data: datagram.data });
  }

  connect(): { clientPeer: ENetPacketPeer; serverPeer: ENetPacketPeer } {
    const clientPeer = this.client.connectToHost('10.0.0.2', 7777, 3, 1234)!;
    this.step(40);
    const serverPeer = this.server.getPeers()[0]!;
    return { clientPeer, serverPeer };
  }
}

describe('ENetConnection', () => {
  test('createHostBound validates like Godot and refuses a second create', () => {
    const connection = new ENetConnection({ clock: () => 1 });
    expect(connection.createHostBound('not-an-ip', 1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(connection.createHostBound('*', 70_000)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(connection.createHost(0)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(connection.createHost(4096)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(connection.createHost(1, 256)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(connection.createHost(1, 0, -1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(connection.createHostBound('*', 4000, 2, 0)).toBe(GodotError.OK);
    expect(connection.getLocalPort()).toBe(4000);
    expect(connection.getMaxChannels()).toBe(255);
    expect(connection.createHost()).toBe(GodotError.ERR_ALREADY_IN_USE);
  });

  test('connectToHost, service events with data, getPeers', () => {
    const world = new World();
    const { clientPeer, serverPeer } = world.connect();
    expect(world.events.map(({ atMs, who, event }) => [atMs - 10_000, who, event[0], event[2]])).toEqual([
      [21, 'client', EventType.EVENT_CONNECT, 0],
      [31, 'server', EventType.EVENT_CONNECT, 1234],
    ]);
    expect(world.events[0]!.event[1]).toBe(clientPeer);
    expect(world.events[1]!.event[1]).toBe(serverPeer);
    expect(world.client.getPeers()).toEqual([clientPeer]);
    // Godot refuses a second connectToHost on a connection that has a peer.
    expect(world.client.connectToHost('10.0.0.2', 7777)).toBeNull();
  });

  test('broadcast reaches every connected peer; flush sends without a service call', () => {
    const world = new World();
    const { clientPeer } = world.connect();
    world.server.broadcast(1, new Uint8Array([1, 2, 3]), FLAG_RELIABLE);
    world.server.flush();
    expect(world.server.pollDatagrams()).toHaveLength(1);
    world.server.broadcast(2, new Uint8Array([4]), FLAG_RELIABLE);
    world.step(15);
    expect(clientPeer.getAvailablePacketCount()).toBe(1);
    expect([...clientPeer.getPacket()!]).toEqual([4]);
  });

  test('popStatistic returns the host totals and zeroes them', () => {
    const world = new World();
    world.connect();
    const sentPackets = world.client.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS);
    expect(sentPackets).toBe(2); // CONNECT, then ACK of VERIFY + PING
    expect(world.client.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS)).toBe(0);
    expect(world.client.popStatistic(HostStatistic.HOST_TOTAL_SENT_DATA)).toBe(52 + 16);
    // The server's ACK of the PING is still in flight after 40 ms: only VERIFY_CONNECT arrived.
    expect(world.client.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_PACKETS)).toBe(1);
    expect(world.client.popStatistic(HostStatistic.HOST_TOTAL_RECEIVED_DATA)).toBe(48);
  });

  test('bandwidthLimit is announced to peers at the next 1-s tick; channelLimit caps later connections', () => {
    const world = new World();
    world.server.channelLimit(2);
    const { clientPeer } = world.connect();
    expect(clientPeer.getChannels()).toBe(2);
    world.server.bandwidthLimit(0, 131_072);
    world.step(1100);
    // The client's sending window follows the server's upstream limit... of the server; the server's
    // window toward the client is min(its upstream 131072, client downstream ∞) → 8192.
    expect(world.server.getPeers()[0]!.core!.windowSize).toBe(8192);
  });

  test.each(['COMPRESS_RANGE_CODER', 'COMPRESS_FASTLZ', 'COMPRESS_ZLIB', 'COMPRESS_ZSTD'] as const)('compress(%s) on both ends: the handshake and data go through compressed; an unknown mode is refused loudly', (mode) => {
    const world = new World();
    world.server.compress(CompressionMode[mode]);
    world.client.compress(CompressionMode[mode]);
    const { clientPeer, serverPeer } = world.connect();
    expect(clientPeer.getState()).toBe(PeerState.STATE_CONNECTED);
    clientPeer.send(0, new TextEncoder().encode('hello hello hello hello hello hello'), FLAG_RELIABLE);
    world.client.flush();
    const sent = world.client.pollDatagrams();
    expect(sent.some((datagram) => (datagram.data[0]! & 0x40) !== 0)).toBe(true); // COMPRESSED header bit 0x4000
    world.step(1);
    for (const datagram of sent) world.server.handleDatagram('10.0.0.1', 5000, datagram.data);
    world.step(1);
    expect(new TextDecoder().decode(serverPeer.getPacket()!)).toBe('hello hello hello hello hello hello');
    expect(() => world.client.compress(CompressionMode.COMPRESS_NONE)).not.toThrow();
    expect(() => world.client.compress(7 as CompressionMode)).toThrow(/unknown mode 7/);
  });

  test('DTLS setup answers ERR_UNAVAILABLE, as a vanilla-ENet Godot build does', () => {
    const world = new World();
    expect(world.server.dtlsServerSetup()).toBe(GodotError.ERR_UNAVAILABLE);
    expect(world.client.dtlsClientSetup()).toBe(GodotError.ERR_UNAVAILABLE);
  });

  test('destroy detaches every peer and nothing is sent', () => {
    const world = new World();
    const { clientPeer } = world.connect();
    world.client.destroy();
    expect(clientPeer.isActive()).toBe(false);
    expect(clientPeer.getState()).toBe(PeerState.STATE_DISCONNECTED);
    expect(world.client.getPeers()).toEqual([]);
    expect(world.client.pollDatagrams()).toEqual([]);
    expect(world.client.service()[0]).toBe(EventType.EVENT_ERROR);
  });
});

describe('ENetPacketPeer', () => {
  test('send, getPacket, getPacketFlags for each flag kind, putPacket', () => {
    const world = new World();
    const { clientPeer, serverPeer } = world.connect();
    expect(clientPeer.send(0, new Uint8Array([1]), FLAG_RELIABLE)).toBe(GodotError.OK);
    expect(clientPeer.send(1, new Uint8Array([2]), FLAG_UNSEQUENCED)).toBe(GodotError.OK);
    expect(clientPeer.send(2, new Uint8Array([3]), 0)).toBe(GodotError.OK);
    expect(clientPeer.send(2, new Uint8Array(3000).fill(4), FLAG_UNRELIABLE_FRAGMENT)).toBe(GodotError.OK);
    expect(clientPeer.putPacket(new Uint8Array([5]))).toBe(GodotError.OK);
    world.step(15);
    const received: [number, number][] = [];
    while (serverPeer.getAvailablePacketCount() > 0) {
      const flags = serverPeer.getPacketFlags();
      received.push([serverPeer.getPacket()![0]!, flags]);
    }
    expect(received).toEqual([
      [1, FLAG_RELIABLE],
      [2, FLAG_UNSEQUENCED],
      [3, 0],
      [4, FLAG_UNRELIABLE_FRAGMENT],
      [5, FLAG_RELIABLE],
    ]);
    expect(serverPeer.getPacket()).toBeNull();
    expect(serverPeer.getMaxPacketSize()).toBe(1 << 24);
  });

  test('send validates channel and flags as Godot does', () => {
    const world = new World();
    const { clientPeer } = world.connect();
    expect(clientPeer.send(4, new Uint8Array(1), 0)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(clientPeer.send(3, new Uint8Array(1), 0)).toBe(GodotError.FAILED); // Godot's off-by-one passes 3, ENet refuses
    expect(clientPeer.send(0, new Uint8Array(1), 4)).toBe(GodotError.ERR_INVALID_PARAMETER);
  });

  test('address, port, channels, state, active', () => {
    const world = new World();
    const { clientPeer, serverPeer } = world.connect();
    expect([clientPeer.getRemoteAddress(), clientPeer.getRemotePort()]).toEqual(['10.0.0.2', 7777]);
    expect([serverPeer.getRemoteAddress(), serverPeer.getRemotePort()]).toEqual(['10.0.0.1', 5000]);
    expect([clientPeer.getChannels(), clientPeer.getState(), clientPeer.isActive()]).toEqual([3, PeerState.STATE_CONNECTED, true]);
    expect(wireToIpv4(serverPeer.core!.address.host)).toBe('10.0.0.1');
  });

  test('getStatistic returns the raw ENet fields, in ENet units', () => {
    const world = new World();
    const { clientPeer } = world.connect();
    world.step(3000);
    const stat = (statistic: PeerStatistic) => clientPeer.getStatistic(statistic);
    expect(stat(PeerStatistic.PEER_ROUND_TRIP_TIME)).toBe(20);
    expect(stat(PeerStatistic.PEER_ROUND_TRIP_TIME_VARIANCE)).toBeLessThanOrEqual(10);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE)).toBe(PACKET_THROTTLE_SCALE);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE_LIMIT)).toBe(32);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE_ACCELERATION)).toBe(2);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE_DECELERATION)).toBe(2);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL)).toBe(5000);
    expect(stat(PeerStatistic.PEER_PACKET_LOSS)).toBe(0);
    expect(stat(PeerStatistic.PEER_PACKET_LOSS_VARIANCE)).toBe(0);
    expect(stat(PeerStatistic.PEER_PACKET_LOSS_EPOCH)).toBeGreaterThan(10_000);
    expect(stat(PeerStatistic.PEER_LAST_ROUND_TRIP_TIME)).toBe(20);
    expect(stat(PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE)).toBeGreaterThanOrEqual(1);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE_EPOCH)).toBeGreaterThan(10_000);
    expect(stat(PeerStatistic.PEER_PACKET_THROTTLE_COUNTER)).toBe(0);
    expect(PACKET_LOSS_SCALE).toBe(65_536);
  });

  test('throttleConfigure reaches the remote; setTimeout validates its order; pingInterval and ping', () => {
    const world = new World();
    const { clientPeer, serverPeer } = world.connect();
    clientPeer.throttleConfigure(1000, 4, 8);
    world.step(15);
    expect(serverPeer.getStatistic(PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL)).toBe(1000);
    expect(serverPeer.getStatistic(PeerStatistic.PEER_PACKET_THROTTLE_DECELERATION)).toBe(8);
    clientPeer.setTimeout(5000, 1000, 2000); // timeout > min: ignored, as in Godot
    expect(clientPeer.core!.timeoutLimit).toBe(32);
    clientPeer.setTimeout(4, 1000, 2000);
    expect([clientPeer.core!.timeoutLimit, clientPeer.core!.timeoutMinimum, clientPeer.core!.timeoutMaximum]).toEqual([4, 1000, 2000]);
    clientPeer.pingInterval(100);
    expect(clientPeer.core!.pingInterval).toBe(100);
    clientPeer.pingInterval(0);
    expect(clientPeer.core!.pingInterval).toBe(500);
    clientPeer.ping();
    world.client.flush();
    const sent = world.client.pollDatagrams();
    expect(sent.some((datagram) => datagram.data.includes(0x85))).toBe(true);
  });

  test('peerDisconnect: DISCONNECT events on both sides, the remote one carries the data', () => {
    const world = new World();
    const { clientPeer, serverPeer } = world.connect();
    clientPeer.peerDisconnect(77);
    world.step(30);
    const disconnects = world.events.filter(({ event }) => event[0] === EventType.EVENT_DISCONNECT);
    expect(disconnects.map(({ who, event }) => [who, event[1], event[2]])).toEqual([
      ['server', serverPeer, 77],
      ['client', clientPeer, 0],
    ]);
    expect(clientPeer.isActive()).toBe(false);
  });

  test('peerDisconnectLater delivers queued data first', () => {
    const world = new World();
    const { clientPeer, serverPeer } = world.connect();
    clientPeer.send(0, new Uint8Array([9]), FLAG_RELIABLE);
    clientPeer.peerDisconnectLater(5);
    expect(clientPeer.getState()).toBe(PeerState.STATE_DISCONNECT_LATER);
    world.step(60);
    const serverEvents = world.events.filter(({ who, atMs }) => who === 'server' && atMs > 10_040).map(({ event }) => [event[0], event[2]]);
    expect(serverEvents).toEqual([
      [EventType.EVENT_RECEIVE, 0],
      [EventType.EVENT_DISCONNECT, 5],
    ]);
    expect(serverPeer.isActive()).toBe(false);
  });

  test('peerDisconnectNow detaches at once without a local event; reset sends nothing', () => {
    const world = new World();
    const { clientPeer } = world.connect();
    clientPeer.peerDisconnectNow(3);
    expect(clientPeer.isActive()).toBe(false);
    world.step(30);
    expect(world.events.filter(({ who, event }) => who === 'client' && event[0] === EventType.EVENT_DISCONNECT)).toEqual([]);
    expect(world.events.find(({ who, event }) => who === 'server' && event[0] === EventType.EVENT_DISCONNECT)?.event[2]).toBe(3);

    const second = new World();
    const pair = second.connect();
    pair.clientPeer.reset();
    expect(pair.clientPeer.getState()).toBe(PeerState.STATE_DISCONNECTED);
    expect(second.client.pollDatagrams()).toEqual([]);
  });
});
