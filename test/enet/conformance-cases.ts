// The 42 conformance checks of the reference (../shared/docs/enet-reference.md §9), each written
// once against the HostLike interface and run on every implementation that can play it: the
// TypeScript core and, through the C driver, the real libenet 1.3.17. The same assertions on both
// means the same outcome on both. Defaults as in §9: ENet 1.3.17 parameters (MTU 1400), no
// checksum, fresh slots, fixed one-way latency (10 ms unless a row says otherwise), every host
// serviced every 1 ms, clock starting at 1000 (not 0).
import { expect } from 'vitest';
import { PeerState } from '../../src/enet/constants.js';
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
        if (implementation.profile === '1.3.17') {
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
          expect(burst).toHaveLength(implementation.profile === '1.3.17' ? 47 : 48);
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
