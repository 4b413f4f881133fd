// The 42 conformance checks of the reference (../shared/docs/enet-reference.md §9), each written
// once against the HostLike interface and run on every implementation that can play it: the
// TypeScript core and, through the C driver, the real libenet 1.3.17. The same assertions on both
// means the same outcome on both. Defaults as in §9: ENet 1.3.17 parameters (MTU 1400), no
// checksum, fresh slots, fixed one-way latency (10 ms unless a row says otherwise), every host
// serviced every 1 ms, clock starting at 1000 (not 0).
import { expect } from 'vitest';
import { PeerState } from '../../src/enet/constants.js';
import { profileBehaviour } from '../../src/enet/profile.js';
import {
  CLIENT_ADDRESS,
  OTHER_ADDRESS,
  SERVER_ADDRESS,
  bytesOf,
  carrying,
  commandsOf,
  destroyAll,
  eventsOf,
  hex,
  hostConfig,
  runPair,
  sentBy,
  type Implementation,
  type PairRun,
} from '../support/conformance-kit.js';
import type { TraceDatagram } from '../support/lockstep.js';

export interface ConformanceCase {
  row: string;
  name: string;
  /** False for rows only the TypeScript core can run (none here need it; unit rows live elsewhere). */
  libenet: boolean;
  run(implementation: Implementation): void;
}

const RELIABLE = 1;
const UNSEQUENCED = 2;
const UNRELIABLE_FRAGMENT = 8;

const GOLDEN_CONNECT =
  '8f ff 03 e8 | 82 ff 00 01 | 00 00 ff ff | 00 00 05 78 | 00 01 00 00 | 00 00 00 02 | 00 00 00 00 | 00 00 00 00 | 00 00 13 88 | 00 00 00 02 | 00 00 00 02 | 24 e6 49 8c | 00 00 00 2a';
const GOLDEN_VERIFY =
  '80 00 03 f2 | 83 ff 00 01 | 00 00 00 00 | 00 00 05 78 | 00 01 00 00 | 00 00 00 02 | 00 00 00 00 | 00 00 00 00 | 00 00 13 88 | 00 00 00 02 | 00 00 00 02 | 24 e6 49 8c';
const GOLDEN_ACK_PING = '80 00 03 fc | 01 ff 00 01 00 01 03 f2 | 85 ff 00 02';
const GOLDEN_PING_ACK = '00 00 | 01 ff 00 02 00 02 03 fc';

/** Handshake at 1000 (client slot 0 → server), then `then` runs on later ticks. */
function connected(
  implementation: Implementation,
  options: Parameters<typeof runPair>[1] & { data?: number; channels?: number },
): PairRun {
  const { onTick, data = 42, channels = 2, ...rest } = options;
  return runPair(implementation, {
    ...rest,
    onTick: (tick) => {
      if (tick.nowMs === (rest.startMs ?? 1000)) tick.host('client').connect(SERVER_ADDRESS, channels, data);
      onTick?.(tick);
    },
  });
}

function with_<T>(run: PairRun, check: (run: PairRun) => T): T {
  try {
    return check(run);
  } finally {
    destroyAll(run);
  }
}

function payload(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed) & 0xff;
  return bytes;
}

function receivesOf(run: PairRun, name: string): { atMs: number; channelID: number; flags: number; data: Uint8Array }[] {
  return eventsOf(run.trace, name).flatMap(({ atMs, event }) =>
    event.type === 'receive' ? [{ atMs, channelID: event.channelID, flags: event.flags, data: event.data }] : [],
  );
}

function lossFrom(startMs: number): (datagram: TraceDatagram) => { drop: true } | undefined {
  return (datagram) => (datagram.sentAtMs >= startMs ? { drop: true } : undefined);
}

/** Sent times of each transmission of reliable command (channel, seq) by `name`. */
function transmissionsOf(run: PairRun, name: string, command: string): number[] {
  return carrying(run.trace, name, command).map((datagram) => datagram.sentAtMs);
}

export const WIRE_AND_HANDSHAKE: ConformanceCase[] = [
  {
    row: '1',
    name: 'CONNECT is a 52-byte datagram: header 8F FF, sentTime, command 82 FF 00 01, sessions FF FF, mtu 1400, window 65536, throttle 5000/2/2, connectID, data',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 1001 }), ({ trace }) => {
        const connect = sentBy(trace, 'client')[0]!;
        expect(connect.sentAtMs).toBe(1000);
        expect(hex(connect.bytes)).toBe(hex(bytesOf(GOLDEN_CONNECT)));
      }),
  },
  {
    row: '2',
    name: 'VERIFY_CONNECT is 48 bytes, header 80 00, echoes throttle and connectID; mtu is the client MTU even when the 1.3.17 server has a smaller one',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 1011, server: { mtu: 1200 } }), ({ trace }) => {
        const verify = sentBy(trace, 'server')[0]!;
        expect(verify.sentAtMs).toBe(1010);
        if (profileBehaviour(implementation.profile).upstream === '1.3.17') {
          // 1.3.17 takes the client's MTU (1400 = 0x578) and ignores its own.
          expect(hex(verify.bytes)).toBe(hex(bytesOf(GOLDEN_VERIFY)));
        } else {
          // 1.3.18 answers min(server 1200, client 1392).
          expect(verify.bytes.length).toBe(48);
          const fields = commandsOf(verify)[0]!.fields;
          expect([fields['mtu'], fields['windowSize'], fields['packetThrottleInterval']]).toEqual([1200, 65536, 5000]);
        }
      }),
  },
  {
    row: '3',
    name: 'the server does not ACK CONNECT; the client ACKs VERIFY and PINGs in one 16-byte datagram, the server ACKs the PING in 10 bytes',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 1031 }), ({ trace }) => {
        const serverSent = sentBy(trace, 'server');
        expect(commandsOf(serverSent[0]!).map((command) => command.name)).toEqual(['VERIFY_CONNECT']);
        const clientSent = sentBy(trace, 'client');
        expect(clientSent.map((datagram) => [datagram.sentAtMs, datagram.bytes.length])).toEqual([
          [1000, 52],
          [1020, 16],
        ]);
        expect(hex(clientSent[1]!.bytes)).toBe(hex(bytesOf(GOLDEN_ACK_PING)));
        expect(serverSent.map((datagram) => [datagram.sentAtMs, hex(datagram.bytes)])).toEqual([
          [1010, hex(bytesOf(GOLDEN_VERIFY))],
          [1030, hex(bytesOf(GOLDEN_PING_ACK))],
        ]);
      }),
  },
  {
    row: '4',
    name: 'client CONNECT event at t0+2L with data 0, server CONNECT event at t0+3L with the connect data',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 1100 }), ({ trace }) => {
        expect(eventsOf(trace, 'client').map(({ atMs, event }) => [atMs, event])).toEqual([[1020, { type: 'connect', peerIndex: 0, data: 0 }]]);
        expect(eventsOf(trace, 'server').map(({ atMs, event }) => [atMs, event])).toEqual([[1030, { type: 'connect', peerIndex: 0, data: 42 }]]);
      }),
  },
  {
    row: '5',
    name: 'with checksums the handshake datagrams are 56/52/20/14 bytes and carry the CRC-32 test vector',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 1031, client: { checksum: true }, server: { checksum: true } }), ({ trace }) => {
        expect(trace.datagrams.map((datagram) => datagram.bytes.length)).toEqual([56, 52, 20, 14]);
        const [connect, verify, , ack] = trace.datagrams;
        expect(hex(connect!.bytes)).toBe(hex(bytesOf(`8f ff 03 e8 ff 1b e0 65 ${GOLDEN_CONNECT.slice(12)}`)));
        expect(hex(verify!.bytes.subarray(4, 8))).toBe('b16aef97');
        expect(hex(ack!.bytes)).toBe(hex(bytesOf('00 00 5f 3c 0f c1 01 ff 00 02 00 02 03 fc')));
      }),
  },
  {
    row: '6',
    name: 'a VERIFY_CONNECT with other throttle parameters makes the client emit DISCONNECT (data 0) and no CONNECT',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 1100,
          intercept: (datagram) => {
            if (datagram.from !== 'server' || datagram.sentAtMs !== 1010) return undefined;
            const bytes = datagram.bytes.slice();
            bytes[4 + 31] = 0x89; // packetThrottleInterval 5000 → 5001
            return { bytes };
          },
        }),
        ({ trace, client }) => {
          expect(eventsOf(trace, 'client').map(({ atMs, event }) => [atMs, event.type, 'data' in event ? event.data : null])).toEqual([
            [1020, 'disconnect', 0],
          ]);
          expect(client.peer(0).state).toBe(PeerState.STATE_DISCONNECTED);
        },
      ),
  },
  {
    row: '7',
    name: 'reconnecting from the same client slot yields session ids 1/1 and header bits 0x1000',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 2300,
          onTick: (tick) => {
            if (tick.nowMs === 1200) tick.host('client').peerDisconnect(0, 0, tick.nowMs);
            if (tick.nowMs === 1500) tick.host('client').connect(SERVER_ADDRESS, 2, 43);
          },
        }),
        ({ trace, client }) => {
          const verifies = carrying(trace, 'server', 'VERIFY_CONNECT');
          expect(verifies).toHaveLength(2);
          const second = commandsOf(verifies[1]!)[0]!;
          expect([second.fields['incomingSessionID'], second.fields['outgoingSessionID']]).toEqual([1, 1]);
          const afterReconnect = sentBy(trace, 'client').filter((datagram) => datagram.sentAtMs > 1520);
          expect(afterReconnect.length).toBeGreaterThan(0);
          for (const datagram of afterReconnect) expect(((datagram.bytes[0]! << 8) | datagram.bytes[1]!) & 0x3000).toBe(0x1000);
          expect([client.peer(0).incomingSessionID, client.peer(0).outgoingSessionID]).toEqual([1, 1]);
          expect(eventsOf(trace, 'server').filter(({ event }) => event.type === 'connect').map(({ event }) => 'data' in event && event.data)).toEqual([42, 43]);
        },
      ),
  },
  {
    row: '8',
    name: 'a retransmitted CONNECT (same address, port and connectID) creates no second server peer',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 17000, intercept: (datagram) => (datagram.from === 'server' ? { drop: true } : undefined) }), ({ trace, server }) => {
        expect(transmissionsOf({ trace } as PairRun, 'client', 'CONNECT')).toEqual([1000, 1500, 2500, 4500, 8500, 16500]);
        const states = [0, 1, 2, 3].map((index) => server.peer(index).state);
        expect(states).toEqual([PeerState.STATE_ACKNOWLEDGING_CONNECT, 0, 0, 0]);
      }),
  },
  {
    row: '9',
    name: 'when all server slots are busy the CONNECT is ignored and the client gets DISCONNECT 31.5 s later',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 34000,
          server: { peerCount: 1 },
          extra: [{ name: 'other', config: hostConfig({ address: OTHER_ADDRESS, peerCount: 1, randomSeed: 99 }) }],
          onTick: (tick) => {
            if (tick.nowMs === 2000) tick.host('other').connect(SERVER_ADDRESS, 1, 0);
          },
        }),
        ({ trace, server }) => {
          expect(sentBy(trace, 'server').filter((datagram) => datagram.to === 'other')).toEqual([]);
          expect(eventsOf(trace, 'other').map(({ atMs, event }) => [atMs, event])).toEqual([[33500, { type: 'disconnect', peerIndex: 0, data: 0 }]]);
          expect(server.peer(0).state).toBe(PeerState.STATE_CONNECTED);
        },
      ),
  },
  {
    row: '10',
    name: 'a datagram with peerID >= peerCount, a wrong source port, or wrong session bits is ignored: no ACK, no delivery',
    libenet: true,
    run: (implementation) => {
      const variants: Uint8Array[] = [];
      let forged: Uint8Array | null = null;
      const run = connected(implementation, {
        untilMs: 1400,
        intercept: (datagram) => {
          // Capture the client's reliable send at 1300; drop it and everything the client sends later.
          if (datagram.from !== 'client' || datagram.sentAtMs < 1300) return undefined;
          forged ??= datagram.bytes;
          return { drop: true };
        },
        onTick: (tick) => {
          if (tick.nowMs === 1300) tick.host('client').peerSend(0, 0, RELIABLE, payload(10, 1));
          if (tick.nowMs === 1310 && forged !== null) {
            const badPeer = forged.slice();
            badPeer[1] = 0x05; // peer id 5 ≥ peerCount 4
            const badSession = forged.slice();
            badSession[0] = badSession[0]! | 0x20; // session bits 0 → 2
            variants.push(badPeer, badSession);
            const server = tick.host('server');
            server.deliver({ host: CLIENT_ADDRESS.host, port: CLIENT_ADDRESS.port + 1 }, forged);
            server.deliver(CLIENT_ADDRESS, badPeer);
            server.deliver(CLIENT_ADDRESS, badSession);
          }
        },
      });
      with_(run, ({ trace }) => {
        expect(variants).toHaveLength(2);
        const acks = sentBy(trace, 'server')
          .filter((datagram) => datagram.sentAtMs >= 1310)
          .flatMap((datagram) => commandsOf(datagram))
          .filter((command) => command.name === 'ACKNOWLEDGE' && command.channelID === 0);
        expect(acks).toEqual([]);
        expect(receivesOf(run, 'server')).toEqual([]);
      });
    },
  },
];

export const SEQUENCING_AND_FRAGMENTS: ConformanceCase[] = [
  {
    row: '11',
    name: 'the first reliable packet on a channel has seq 1; each reliable fragment takes one seq; startSequenceNumber is the first fragment',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 1400,
          onTick: (tick) => {
            if (tick.nowMs !== 1300) return;
            const client = tick.host('client');
            client.peerSend(0, 0, RELIABLE, payload(100, 1));
            client.peerSend(0, 0, RELIABLE, payload(3000, 2));
            client.peerSend(0, 0, RELIABLE, payload(10, 3));
          },
        }),
        ({ trace }) => {
          const data = sentBy(trace, 'client')
            .filter((datagram) => datagram.sentAtMs === 1300)
            .flatMap((datagram) => commandsOf(datagram))
            .filter((command) => command.channelID === 0);
          expect(data.map((command) => [command.name, command.reliableSequenceNumber, command.fields['startSequenceNumber'] ?? null])).toEqual([
            ['SEND_RELIABLE', 1, null],
            ['SEND_FRAGMENT', 2, 2],
            ['SEND_FRAGMENT', 3, 2],
            ['SEND_FRAGMENT', 4, 2],
            ['SEND_RELIABLE', 5, null],
          ]);
        },
      ),
  },
  {
    row: '12',
    name: 'a 5000-byte reliable packet at MTU 1400 leaves as 4 datagrams of 1400, 1400, 1400 and 912 bytes',
    libenet: true,
    run: (implementation) => {
      const sent = payload(5000, 7);
      const run = connected(implementation, {
        untilMs: 1400,
        onTick: (tick) => {
          if (tick.nowMs === 1300) tick.host('client').peerSend(0, 1, RELIABLE, sent);
        },
      });
      with_(run, ({ trace }) => {
        const fragments = sentBy(trace, 'client').filter((datagram) => datagram.sentAtMs === 1300);
        expect(fragments.map((datagram) => datagram.bytes.length)).toEqual([1400, 1400, 1400, 912]);
        expect(fragments.map((datagram) => commandsOf(datagram)[0]!.payloadBytes)).toEqual([1372, 1372, 1372, 884]);
        expect(receivesOf(run, 'server').map((receive) => hex(receive.data))).toEqual([hex(sent)]);
      });
    },
  },
  {
    row: '13',
    name: 'at MTU 1400 a 1372-byte unreliable packet is one 1382-byte datagram; 1373 bytes become 2 reliable fragments (1400 + 29), or with UNRELIABLE_FRAGMENT 2 unreliable fragments (1398 + 27)',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 1400,
          onTick: (tick) => {
            const client = tick.host('client');
            if (tick.nowMs === 1300) client.peerSend(0, 1, 0, payload(1372, 1));
            if (tick.nowMs === 1310) client.peerSend(0, 1, 0, payload(1373, 2));
            if (tick.nowMs === 1320) client.peerSend(0, 1, UNRELIABLE_FRAGMENT, payload(1373, 3));
          },
        }),
        ({ trace }) => {
          const at = (timeMs: number) =>
            sentBy(trace, 'client')
              .filter((datagram) => datagram.sentAtMs === timeMs)
              .map((datagram) => [datagram.bytes.length, commandsOf(datagram).map((command) => command.name).join('+')]);
          expect(at(1300)).toEqual([[1382, 'SEND_UNRELIABLE']]);
          expect(at(1310)).toEqual([
            [1400, 'SEND_FRAGMENT'],
            [29, 'SEND_FRAGMENT'],
          ]);
          expect(at(1320)).toEqual([
            [1398, 'SEND_UNRELIABLE_FRAGMENT'],
            [27, 'SEND_UNRELIABLE_FRAGMENT'],
          ]);
        },
      ),
  },
  {
    row: '14',
    name: 'a 100 KiB reliable packet at RTT 200 goes out as a first burst of exactly 47 fragments at MTU 1400 (48 at 1392)',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          latencyMs: 100,
          untilMs: 3200,
          onTick: (tick) => {
            if (tick.nowMs === 3000) tick.host('client').peerSend(0, 0, RELIABLE, payload(100 * 1024, 5));
          },
        }),
        ({ trace }) => {
          const burst = carrying(trace, 'client', 'SEND_FRAGMENT').filter((datagram) => datagram.sentAtMs === 3000);
          expect(burst).toHaveLength(profileBehaviour(implementation.profile).upstream === '1.3.17' ? 47 : 48);
        },
      ),
  },
  {
    row: '15',
    name: 'a datagram carries at most 32 commands; the rest go into another datagram in the same service call',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 1400,
          onTick: (tick) => {
            if (tick.nowMs !== 1300) return;
            for (let index = 0; index < 40; index++) tick.host('client').peerSend(0, 1, 0, payload(10, index));
          },
        }),
        ({ trace }) => {
          const burst = sentBy(trace, 'client').filter((datagram) => datagram.sentAtMs === 1300);
          expect(burst.map((datagram) => commandsOf(datagram).length)).toEqual([32, 8]);
        },
      ),
  },
  {
    row: '16',
    name: 'an unreliable packet older than the last delivered one is dropped; one tagged with a reliable seq not yet received is delivered right after it',
    libenet: true,
    run: (implementation) => {
      const run = connected(implementation, {
        untilMs: 1500,
        intercept: (datagram) => {
          // Delay the client's datagrams sent at 1300 (unreliable #1) and 1400 (reliable) by 30 ms.
          if (datagram.from === 'client' && (datagram.sentAtMs === 1300 || datagram.sentAtMs === 1400)) return { extraDelayMs: 30 };
          return undefined;
        },
        onTick: (tick) => {
          const client = tick.host('client');
          if (tick.nowMs === 1300) client.peerSend(0, 1, 0, bytesOf('01'));
          if (tick.nowMs === 1305) client.peerSend(0, 1, 0, bytesOf('02'));
          if (tick.nowMs === 1400) client.peerSend(0, 1, RELIABLE, bytesOf('03'));
          if (tick.nowMs === 1405) client.peerSend(0, 1, 0, bytesOf('04'));
        },
      });
      with_(run, () => {
        expect(receivesOf(run, 'server').map((receive) => [receive.atMs, hex(receive.data), receive.flags])).toEqual([
          [1315, '02', 0],
          [1440, '03', RELIABLE],
          [1440, '04', 0],
        ]);
      });
    },
  },
  {
    row: '17',
    name: 'unsequenced window: duplicates in the current 1024-block are dropped, groups ≥ base+32768 are dropped, a new block slides the window',
    libenet: true,
    run: (implementation) => {
      const groups = [1, 1, 2, 32769, 1030, 2, 1030, 1031];
      const run = connected(implementation, {
        untilMs: 1400,
        onTick: (tick) => {
          if (tick.nowMs !== 1300) return;
          for (const group of groups) {
            // Header: peer id 0, session 0, no sent time; SEND_UNSEQUENCED on channel 1, 1-byte payload.
            const datagram = bytesOf(`00 00 49 01 00 00 ${hex(new Uint8Array([group >> 8, group & 0xff]))} 00 01 ${(group & 0xff).toString(16).padStart(2, '0')}`);
            tick.host('server').deliver(CLIENT_ADDRESS, datagram);
          }
        },
      });
      with_(run, () => {
        expect(receivesOf(run, 'server').map((receive) => [receive.data[0], receive.flags])).toEqual([
          [1, UNSEQUENCED],
          [2, UNSEQUENCED],
          [1030 & 0xff, UNSEQUENCED],
          [1031 & 0xff, UNSEQUENCED],
        ]);
      });
    },
  },
];

/** Reference §4.4: the drop delay of one unacknowledged command first sent with RTO `rtoMs`, default limits. */
export function closedFormDropMs(rtoMs: number, timeoutLimit = 32, timeoutMinimumMs = 5000, timeoutMaximumMs = 30_000): number {
  for (let attempts = 1; attempts < 32; attempts++) {
    const elapsedMs = rtoMs * (2 ** attempts - 1);
    if (elapsedMs >= timeoutMaximumMs || (2 ** (attempts - 1) >= timeoutLimit && elapsedMs >= timeoutMinimumMs)) return elapsedMs;
  }
  throw new Error('no drop within 32 attempts');
}

/** The disconnect time of `name` minus the first reliable send of `name` at or after `lossStartMs`. */
function dropDelayAfterFirstUnacked(run: PairRun, name: string, lossStartMs: number): number {
  const firstUnacked = sentBy(run.trace, name).find((datagram) => datagram.sentAtMs >= lossStartMs && (datagram.bytes[0]! & 0x80) !== 0);
  const disconnect = eventsOf(run.trace, name).find(({ event }) => event.type === 'disconnect');
  if (firstUnacked === undefined || disconnect === undefined) throw new Error(`${name}: no unacknowledged send or no disconnect`);
  return disconnect.atMs - firstUnacked.sentAtMs;
}

function stopWhenBothDisconnected(trace: PairRun['trace']): boolean {
  return ['client', 'server'].every((name) => eventsOf(trace, name).some(({ event }) => event.type === 'disconnect'));
}

function timeoutCase(row: string, roundTripTimeMs: number, lossStartMs: number, expectedMs: number): ConformanceCase {
  return {
    row,
    name: `idle link at RTT ${roundTripTimeMs}, then 100 % loss: the peer is dropped ${expectedMs} ms after its first unacknowledged send`,
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          latencyMs: roundTripTimeMs / 2,
          untilMs: lossStartMs + 60_000,
          intercept: lossFrom(lossStartMs),
          stopWhen: stopWhenBothDisconnected,
        }),
        (run) => {
          expect(dropDelayAfterFirstUnacked(run, 'client', lossStartMs)).toBe(expectedMs);
          expect(eventsOf(run.trace, 'client').at(-1)!.event).toEqual({ type: 'disconnect', peerIndex: 0, data: 0 });
        },
      ),
  };
}

export const TIMING_AND_TIMEOUTS: ConformanceCase[] = [
  {
    row: '18',
    name: 'connecting to a silent address: CONNECT at t0, +500, +1500, +3500, +7500, +15500 and DISCONNECT (data 0) at t0+31500',
    libenet: true,
    run: (implementation) =>
      with_(
        runPair(implementation, {
          untilMs: 33_000,
          onTick: (tick) => {
            if (tick.nowMs === 1000) tick.host('client').connect(OTHER_ADDRESS, 2, 0);
          },
        }),
        (run) => {
          expect(transmissionsOf(run, 'client', 'CONNECT')).toEqual([1000, 1500, 2500, 4500, 8500, 16500]);
          expect(eventsOf(run.trace, 'client').map(({ atMs, event }) => [atMs, event])).toEqual([[32_500, { type: 'disconnect', peerIndex: 0, data: 0 }]]);
        },
      ),
  },
  {
    row: '19',
    name: 'server half-open (everything to the client lost): VERIFY_CONNECT sent 6 times, the slot freed silently 31.5 s after the first',
    libenet: true,
    run: (implementation) => {
      const serverStates: [number, number][] = [];
      const run = connected(implementation, {
        untilMs: 33_000,
        intercept: (datagram) => (datagram.from === 'server' ? { drop: true } : undefined),
        onTick: (tick) => {
          if (tick.nowMs === 32_510 || tick.nowMs === 32_511) serverStates.push([tick.nowMs, tick.host('server').peer(0).state]);
        },
      });
      with_(run, () => {
        expect(transmissionsOf(run, 'server', 'VERIFY_CONNECT')).toEqual([1010, 1510, 2510, 4510, 8510, 16_510]);
        expect(serverStates).toEqual([
          [32_510, PeerState.STATE_ACKNOWLEDGING_CONNECT],
          [32_511, PeerState.STATE_DISCONNECTED],
        ]);
        expect(eventsOf(run.trace, 'server')).toEqual([]);
      });
    },
  },
  {
    row: '20',
    name: 'idle link at RTT 20, then 100 % loss from 5000: both sides emit DISCONNECT (data 0) at 13280, 8160 ms after the first lost ping',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 20_000, intercept: lossFrom(5000), stopWhen: stopWhenBothDisconnected }), (run) => {
        const disconnects = (name: string) => eventsOf(run.trace, name).filter(({ event }) => event.type === 'disconnect');
        expect(disconnects('client').map(({ atMs, event }) => [atMs, event])).toEqual([[13_280, { type: 'disconnect', peerIndex: 0, data: 0 }]]);
        expect(disconnects('server').map(({ atMs, event }) => [atMs, event])).toEqual([[13_280, { type: 'disconnect', peerIndex: 0, data: 0 }]]);
        expect(dropDelayAfterFirstUnacked(run, 'client', 5000)).toBe(8160);
      }),
  },
  timeoutCase('21', 2, 5000, 6138),
  timeoutCase('21', 100, 5000, 8820),
  timeoutCase('21', 200, 5000, 17_388),
  timeoutCase('21', 500, 5000, 46_620),
  ...(
    [
      [1, 1000, 2000],
      [4, 2000, 60_000],
    ] as const
  ).map(
    ([limit, minimumMs, maximumMs]): ConformanceCase => ({
      row: '22',
      name: `enet_peer_timeout(${limit}, ${minimumMs}, ${maximumMs}) at RTT 20 drops the peer 2016 ms after its first unacknowledged send`,
      libenet: true,
      run: (implementation) =>
        with_(
          connected(implementation, {
            untilMs: 20_000,
            intercept: lossFrom(5000),
            stopWhen: (trace) => eventsOf(trace, 'client').some(({ event }) => event.type === 'disconnect'),
            onTick: (tick) => {
              if (tick.nowMs === 2000) tick.host('client').peerTimeout(0, limit, minimumMs, maximumMs);
            },
          }),
          (run) => expect(dropDelayAfterFirstUnacked(run, 'client', 5000)).toBe(2016),
        ),
    }),
  ),
  {
    row: '23',
    name: 'retransmission intervals double from the RTO: at RTT 20 +32, +64, +128, +256, +512, +1024, +2048',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 20_000, intercept: lossFrom(5000), stopWhen: stopWhenBothDisconnected }), (run) => {
        const pings = transmissionsOf(run, 'client', 'PING').filter((timeMs) => timeMs >= 5000);
        expect(pings.slice(1).map((timeMs, index) => timeMs - pings[index]!)).toEqual([32, 64, 128, 256, 512, 1024, 2048]);
      }),
  },
  ...(
    [
      [20, 520],
      [200, 700],
    ] as const
  ).map(
    ([roundTripTimeMs, periodMs]): ConformanceCase => ({
      row: '24',
      name: `the idle ping period is pingInterval + RTT: ${periodMs} ms at RTT ${roundTripTimeMs}`,
      libenet: true,
      run: (implementation) =>
        with_(connected(implementation, { latencyMs: roundTripTimeMs / 2, untilMs: 9000 }), (run) => {
          const pings = transmissionsOf(run, 'client', 'PING').filter((timeMs) => timeMs >= 3000);
          expect(pings.length).toBeGreaterThan(4);
          expect(new Set(pings.slice(1).map((timeMs, index) => timeMs - pings[index]!))).toEqual(new Set([periodMs]));
        }),
    }),
  ),
  {
    row: '25',
    name: 'the client keeps srtt 500 / var 0 until its first PING is acknowledged; the server samples the ACK of VERIFY_CONNECT',
    libenet: true,
    run: (implementation) => {
      const samples: Record<string, [number, number]> = {};
      const run = connected(implementation, {
        untilMs: 1045,
        onTick: (tick) => {
          const note = (name: string, host: 'client' | 'server') => {
            const peer = tick.host(host).peer(0);
            samples[name] = [peer.roundTripTime, peer.roundTripTimeVariance];
          };
          if (tick.nowMs === 1031) note('server@1031', 'server');
          if (tick.nowMs === 1040) note('client@1040', 'client');
          if (tick.nowMs === 1041) note('client@1041', 'client');
        },
      });
      with_(run, () =>
        expect(samples).toEqual({
          'server@1031': [20, 10],
          'client@1040': [500, 0],
          'client@1041': [20, 10],
        }),
      );
    },
  },
  {
    row: '26',
    name: 'pings at a constant RTT of 20 give (srtt, var) = (20,10),(20,8),(20,6),(20,5),(20,4),(20,3),(20,3) and RTO 32',
    libenet: true,
    run: (implementation) => {
      const samples: [number, number][] = [];
      let lastReceiveTime = 0;
      const run = connected(implementation, {
        untilMs: 5000,
        onTick: (tick) => {
          const peer = tick.host('client').peer(0);
          if (peer.lastReceiveTime !== lastReceiveTime && samples.length < 7) samples.push([peer.roundTripTime, peer.roundTripTimeVariance]);
          lastReceiveTime = peer.lastReceiveTime;
        },
      });
      with_(run, () => {
        expect(samples).toEqual([
          [20, 10],
          [20, 8],
          [20, 6],
          [20, 5],
          [20, 4],
          [20, 3],
          [20, 3],
        ]);
      });
    },
  },
  {
    row: '27',
    name: 'sent-time reconstruction across a 16-bit wrap keeps RTT 20; an ACK echoing a future time is ignored (the command is retransmitted)',
    libenet: true,
    run: (implementation) => {
      const startMs = 0x1fd00;
      let bumped = 0;
      const run = connected(implementation, {
        startMs,
        untilMs: 0x20400,
        onTick: (tick) => {
          if (tick.nowMs === 0x20100) tick.host('client').peerSend(0, 0, RELIABLE, payload(8, 9));
        },
        intercept: (datagram) => {
          if (datagram.from !== 'server' || bumped > 0) return undefined;
          const commands = commandsOf(datagram);
          const index = commands.findIndex((command) => command.name === 'ACKNOWLEDGE' && command.channelID === 0);
          if (index < 0) return undefined;
          // Rewrite that ACK's receivedSentTime 4 s into the future.
          const bytes = datagram.bytes.slice();
          const offset = 2 + index * 8 + 6;
          const future = (((bytes[offset]! << 8) | bytes[offset + 1]!) + 4000) & 0xffff;
          bytes[offset] = future >> 8;
          bytes[offset + 1] = future & 0xff;
          bumped++;
          return { bytes };
        },
      });
      with_(run, ({ client }) => {
        expect(bumped).toBe(1);
        expect(transmissionsOf(run, 'client', 'SEND_RELIABLE').length).toBeGreaterThanOrEqual(2);
        expect(receivesOf(run, 'server')).toHaveLength(1);
        expect(client.peer(0).roundTripTime).toBe(20);
      });
    },
  },
];

export const DISCONNECTS: ConformanceCase[] = [
  {
    row: '28',
    name: 'disconnect(7) at RTT 20: DISCONNECTING at once, the remote gets DISCONNECT(7) at +L, the local side DISCONNECT(0) at +2L',
    libenet: true,
    run: (implementation) => {
      let stateAfterCall = -1;
      const run = connected(implementation, {
        untilMs: 2400,
        onTick: (tick) => {
          if (tick.nowMs !== 2200) return;
          tick.host('client').peerDisconnect(0, 7, tick.nowMs);
          stateAfterCall = tick.host('client').peer(0).state;
        },
      });
      with_(run, ({ trace }) => {
        expect(stateAfterCall).toBe(PeerState.STATE_DISCONNECTING);
        expect(eventsOf(trace, 'server').at(-1)).toMatchObject({ atMs: 2210, event: { type: 'disconnect', data: 7 } });
        expect(eventsOf(trace, 'client').at(-1)).toMatchObject({ atMs: 2220, event: { type: 'disconnect', data: 0 } });
      });
    },
  },
  {
    row: '29',
    name: 'disconnect_later(8) with 5 queued 2000-byte packets: the remote receives all 5, then DISCONNECT(8); locally DISCONNECT(0) one RTT after the last ACK',
    libenet: true,
    run: (implementation) => {
      const run = connected(implementation, {
        untilMs: 2400,
        onTick: (tick) => {
          if (tick.nowMs !== 2200) return;
          const client = tick.host('client');
          for (let index = 0; index < 5; index++) client.peerSend(0, 0, RELIABLE, payload(2000, index));
          client.peerDisconnectLater(0, 8, tick.nowMs);
        },
      });
      with_(run, ({ trace }) => {
        const serverEvents = eventsOf(trace, 'server').filter(({ atMs }) => atMs >= 2200);
        expect(serverEvents.map(({ atMs, event }) => [atMs, event.type])).toEqual([
          [2210, 'receive'],
          [2210, 'receive'],
          [2210, 'receive'],
          [2210, 'receive'],
          [2210, 'receive'],
          [2230, 'disconnect'],
        ]);
        expect(serverEvents.at(-1)!.event).toMatchObject({ data: 8 });
        const lastAckAt = Math.max(...carrying(trace, 'server', 'ACKNOWLEDGE').filter((d) => d.sentAtMs >= 2200 && d.sentAtMs < 2230).map((d) => d.sentAtMs + 10));
        expect(eventsOf(trace, 'client').at(-1)).toMatchObject({ atMs: lastAckAt + 20, event: { type: 'disconnect', data: 0 } });
      });
    },
  },
  {
    row: '30',
    name: 'disconnect_now(9): DISCONNECTED at once, no local event, the remote gets DISCONNECT(9) at +L; on the wire 0x44 in a 2-byte-header datagram',
    libenet: true,
    run: (implementation) => {
      let stateAfterCall = -1;
      const run = connected(implementation, {
        untilMs: 2400,
        onTick: (tick) => {
          if (tick.nowMs !== 2200) return;
          tick.host('client').peerDisconnectNow(0, 9, tick.nowMs);
          stateAfterCall = tick.host('client').peer(0).state;
        },
      });
      with_(run, ({ trace }) => {
        expect(stateAfterCall).toBe(PeerState.STATE_DISCONNECTED);
        const sent = sentBy(trace, 'client').filter((datagram) => datagram.sentAtMs >= 2200);
        expect(sent).toHaveLength(1);
        expect([sent[0]!.bytes.length, sent[0]!.bytes[0]! & 0x80, sent[0]!.bytes[2]]).toEqual([10, 0, 0x44]);
        expect(eventsOf(trace, 'client').filter(({ event }) => event.type === 'disconnect')).toEqual([]);
        expect(eventsOf(trace, 'server').at(-1)).toMatchObject({ atMs: 2210, event: { type: 'disconnect', data: 9 } });
      });
    },
  },
  {
    row: '31',
    name: 'reset(): nothing is sent and the remote times out 8160 ms after its first unanswered ping',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 20_000,
          stopWhen: (trace) => eventsOf(trace, 'server').some(({ event }) => event.type === 'disconnect'),
          onTick: (tick) => {
            if (tick.nowMs === 5000) tick.host('client').peerReset(0);
          },
        }),
        (run) => {
          expect(sentBy(run.trace, 'client').filter((datagram) => datagram.sentAtMs >= 5000)).toEqual([]);
          expect(dropDelayAfterFirstUnacked(run, 'server', 5000)).toBe(8160);
          expect(eventsOf(run.trace, 'server').at(-1)!.event).toMatchObject({ type: 'disconnect', data: 0 });
        },
      ),
  },
  {
    row: '32',
    name: 'simultaneous disconnect(1) / disconnect(2): each side gets DISCONNECT with the other side’s data after L',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 2400,
          onTick: (tick) => {
            if (tick.nowMs !== 2200) return;
            tick.host('client').peerDisconnect(0, 1, tick.nowMs);
            tick.host('server').peerDisconnect(0, 2, tick.nowMs);
          },
        }),
        ({ trace }) => {
          expect(eventsOf(trace, 'client').at(-1)).toMatchObject({ atMs: 2210, event: { type: 'disconnect', data: 2 } });
          expect(eventsOf(trace, 'server').at(-1)).toMatchObject({ atMs: 2210, event: { type: 'disconnect', data: 1 } });
        },
      ),
  },
  {
    row: '33',
    name: 'a reliable send followed at once by disconnect is never delivered',
    libenet: true,
    run: (implementation) => {
      const run = connected(implementation, {
        untilMs: 2400,
        onTick: (tick) => {
          if (tick.nowMs !== 2200) return;
          tick.host('client').peerSend(0, 0, RELIABLE, payload(100, 1));
          tick.host('client').peerDisconnect(0, 3, tick.nowMs);
        },
      });
      with_(run, ({ trace }) => {
        expect(receivesOf(run, 'server')).toEqual([]);
        expect(eventsOf(trace, 'server').at(-1)).toMatchObject({ atMs: 2210, event: { type: 'disconnect', data: 3 } });
      });
    },
  },
  {
    row: '34',
    name: 'disconnect then disconnect_now sends no DISCONNECT: the remote times out',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 20_000,
          stopWhen: (trace) => eventsOf(trace, 'server').some(({ event }) => event.type === 'disconnect'),
          onTick: (tick) => {
            if (tick.nowMs !== 2200) return;
            tick.host('client').peerDisconnect(0, 4, tick.nowMs);
            tick.host('client').peerDisconnectNow(0, 5, tick.nowMs);
          },
        }),
        (run) => {
          expect(sentBy(run.trace, 'client').filter((datagram) => datagram.sentAtMs >= 2200)).toEqual([]);
          expect(eventsOf(run.trace, 'server').at(-1)!.event).toMatchObject({ type: 'disconnect', data: 0 });
          // The server's unanswered PING: its first retransmission interval is its RTO, and the drop
          // follows the closed form of reference §4.4 (default limits 32 / 5000 / 30000).
          const pings = transmissionsOf(run, 'server', 'PING').filter((timeMs) => timeMs >= 2200);
          const roundTripTimeoutMs = pings[1]! - pings[0]!;
          expect(dropDelayAfterFirstUnacked(run, 'server', 2200)).toBe(closedFormDropMs(roundTripTimeoutMs));
        },
      ),
  },
];

/** Holds the client's throttle at `throttle` (acceleration and deceleration 0), then sends `perTick` packets a ms. */
function fixedThrottleRun(implementation: Implementation, throttle: number, flags: number, perTick: number, ticks: number): PairRun {
  const firstMs = 1300;
  return connected(implementation, {
    untilMs: firstMs + ticks + 100,
    onTick: (tick) => {
      const client = tick.host('client');
      if (tick.nowMs === 1100) client.peerThrottleConfigure(0, 5000, 0, 0);
      if (tick.nowMs === 1200) client.peerSetPacketThrottle(0, throttle);
      if (tick.nowMs >= firstMs && tick.nowMs < firstMs + ticks) {
        for (let index = 0; index < perTick; index++) client.peerSend(0, 1, flags, payload(20, tick.nowMs + index));
      }
    },
  });
}

export const THROTTLE_AND_BANDWIDTH: ConformanceCase[] = [
  ...[32, 16, 8, 1, 0].map(
    (throttle): ConformanceCase => ({
      row: '35',
      name: `a fixed throttle of ${throttle} delivers ${throttle === 32 ? 'all' : `(${throttle}+1)/32`} of 3200 unreliable packets`,
      libenet: true,
      run: (implementation) => {
        const run = fixedThrottleRun(implementation, throttle, 0, 1, 3200);
        with_(run, () => expect(receivesOf(run, 'server')).toHaveLength(throttle === 32 ? 3200 : 100 * (throttle + 1)));
      },
    }),
  ),
  {
    row: '35b',
    name: 'at throttle 16 with two packets queued per tick, a dropped unsequenced packet takes the one queued behind it along: 2471 of 6396 delivered, against 3398 for sequenced unreliable',
    libenet: true,
    run: (implementation) => {
      const unsequenced = fixedThrottleRun(implementation, 16, UNSEQUENCED, 2, 3198);
      const unsequencedCount = with_(unsequenced, () => receivesOf(unsequenced, 'server').length);
      const sequenced = fixedThrottleRun(implementation, 16, 0, 2, 3198);
      const sequencedCount = with_(sequenced, () => receivesOf(sequenced, 'server').length);
      // The reference measured 2469 / 3397 in a run with another start phase; these counts are what
      // libenet delivers in this run, and the TypeScript core must match them exactly.
      expect([unsequencedCount, sequencedCount]).toEqual([2471, 3398]);
    },
  },
  {
    row: '37',
    name: 'after connecting, each side sends BANDWIDTH_LIMIT(0, 0), reliable on channel 0xFF, at the next 1-s bandwidth tick',
    libenet: true,
    run: (implementation) =>
      with_(connected(implementation, { untilMs: 3500 }), ({ trace }) => {
        for (const name of ['client', 'server']) {
          const limits = carrying(trace, name, 'BANDWIDTH_LIMIT');
          expect(limits.map((datagram) => datagram.sentAtMs)).toEqual([2000]);
          const command = commandsOf(limits[0]!).find((decoded) => decoded.name === 'BANDWIDTH_LIMIT')!;
          expect([command.acknowledge, command.channelID, command.fields['incomingBandwidth'], command.fields['outgoingBandwidth']]).toEqual([true, 0xff, 0, 0]);
        }
      }),
  },
  {
    row: '38',
    name: 'window negotiation: client upstream 200000 B/s → CONNECT window 12288, kept; server downstream 131072 → VERIFY window 8192, back to 65536 after the server’s BANDWIDTH_LIMIT',
    libenet: true,
    run: (implementation) => {
      const windows: Record<string, number> = {};
      const limited = connected(implementation, {
        untilMs: 2100,
        client: { outgoingBandwidth: 200_000 },
        onTick: (tick) => {
          if (tick.nowMs === 1021 || tick.nowMs === 2050) windows[`upstream@${tick.nowMs}`] = tick.host('client').peer(0).windowSize;
        },
      });
      with_(limited, ({ trace }) => {
        expect(commandsOf(sentBy(trace, 'client')[0]!)[0]!.fields['windowSize']).toBe(12_288);
      });
      const serverLimited = connected(implementation, {
        untilMs: 2100,
        server: { incomingBandwidth: 131_072 },
        onTick: (tick) => {
          if (tick.nowMs === 1021 || tick.nowMs === 2050) windows[`downstream@${tick.nowMs}`] = tick.host('client').peer(0).windowSize;
        },
      });
      with_(serverLimited, ({ trace }) => {
        expect(commandsOf(sentBy(trace, 'server')[0]!)[0]!.fields['windowSize']).toBe(8192);
      });
      expect(windows).toEqual({ 'upstream@1021': 12_288, 'upstream@2050': 12_288, 'downstream@1021': 8192, 'downstream@2050': 65_536 });
    },
  },
  {
    row: '40',
    name: 'THROTTLE_CONFIGURE(1000, 4, 8) from one side sets the other side’s interval, acceleration and deceleration',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 1200,
          onTick: (tick) => {
            if (tick.nowMs === 1100) tick.host('client').peerThrottleConfigure(0, 1000, 4, 8);
          },
        }),
        ({ server }) => {
          const peer = server.peer(0);
          expect([peer.packetThrottleInterval, peer.packetThrottleAcceleration, peer.packetThrottleDeceleration]).toEqual([1000, 4, 8]);
        },
      ),
  },
  {
    row: '41',
    name: 'a datagram over 4096 bytes makes a 1.3.17 host’s service return -1; 1.3.18 skips it',
    libenet: true,
    run: (implementation) =>
      with_(
        connected(implementation, {
          untilMs: 1400,
          onTick: (tick) => {
            if (tick.nowMs === 1300) tick.host('server').deliver(CLIENT_ADDRESS, new Uint8Array(4097));
          },
        }),
        ({ trace, server }) => {
          const errors = eventsOf(trace, 'server').filter(({ result }) => result < 0);
          expect(errors.map(({ atMs }) => atMs)).toEqual(profileBehaviour(implementation.profile).upstream === '1.3.17' ? [1300] : []);
          expect(server.peer(0).state).toBe(PeerState.STATE_CONNECTED);
        },
      ),
  },
  {
    row: '42',
    name: 'when totalWaitingData ≥ maximumWaitingData an incoming data command is refused and not acknowledged',
    libenet: true,
    run: (implementation) => {
      const run = connected(implementation, {
        untilMs: 2000,
        server: { maximumWaitingData: 1000 },
        intercept: (datagram) => (datagram.from === 'client' && datagram.sentAtMs === 1300 ? { drop: true } : undefined),
        onTick: (tick) => {
          if (tick.nowMs >= 1300 && tick.nowMs <= 1303) tick.host('client').peerSend(0, 0, RELIABLE, payload(600, tick.nowMs));
        },
      });
      with_(run, ({ trace, server }) => {
        const acks = sentBy(trace, 'server')
          .filter((datagram) => datagram.sentAtMs >= 1300)
          .flatMap((datagram) => commandsOf(datagram).filter((command) => command.name === 'ACKNOWLEDGE' && command.channelID === 0).map((command) => [datagram.sentAtMs, command.reliableSequenceNumber]));
        // Seqs 2 and 3 are queued behind the lost seq 1 (1200 bytes waiting ≥ 1000), so seq 4 is
        // refused and not acknowledged. So is the retransmitted seq 1: the data waiting can only
        // drain through seq 1, and ENet refuses it too. The channel is stuck until the client times
        // out; both libenet and the TypeScript core do exactly this.
        expect(acks).toEqual([
          [1311, 2],
          [1312, 3],
        ]);
        expect(transmissionsOf(run, 'client', 'SEND_RELIABLE').filter((timeMs) => timeMs > 1303).length).toBeGreaterThanOrEqual(4);
        expect(receivesOf(run, 'server')).toEqual([]);
        expect(server.peer(0).totalWaitingData).toBe(1200);
      });
    },
  },
];
