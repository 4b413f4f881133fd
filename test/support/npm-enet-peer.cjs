// An ENet peer from the npm `enet` package (ENet 1.3.5 compiled to JavaScript by emscripten), run as a
// child process by test/native/proxy-interop.test.ts so that its asm.js warnings and its polling
// timers stay out of the test's process. Loopback only. One JSON object per line on stdout:
//
//   node npm-enet-peer.cjs server [--poll-ms 2]
//     {event:'listening', port}, {event:'connect', data}, {event:'receive', channel, text, rtt},
//     {event:'disconnect', data}, then exits 0 after the first disconnect. Echoes every packet
//     reliably on its channel.
//   node npm-enet-peer.cjs client --port P [--count 60] [--interval-ms 25] [--grace-ms 1200]
//                                 [--disconnect-data 0] [--poll-ms 2] [--timeout-ms 20000]
//     Connects with 2 channels, sends `count` reliable packets "packet K" (channel K mod 2), one every
//     interval, waits for every echo and then grace-ms, reads its RTT, disconnects, and prints
//     {event:'result', ok, sent, echoed, inOrder, disconnected, rtt}; exit 0 when ok.
//
// rtt is {roundTripTime, roundTripTimeVariance, lowestRoundTripTime} in ms, read from the ENetPeer
// struct in the emscripten heap (the package exposes no getter), or {error} when the struct layout
// check fails. The offsets follow ENet 1.3.5's enet.h for 32-bit pointers; the check compares the
// fields the package does expose (state, incomingDataTotal) and the MTU (1400) at their offsets.
'use strict';

const enet = require('enet');
const enetModule = require('enet/build/enet.js');

const OFFSET_STATE = 36;
const OFFSET_INCOMING_DATA_TOTAL = 64;
const OFFSET_LOWEST_ROUND_TRIP_TIME = 156;
const OFFSET_ROUND_TRIP_TIME = 168;
const OFFSET_ROUND_TRIP_TIME_VARIANCE = 172;
const OFFSET_MTU = 176;
const DEFAULT_MTU = 1400;

function print(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function fail(message) {
  process.stderr.write(`npm-enet-peer: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const mode = argv[0];
  if (mode !== 'server' && mode !== 'client') fail(`first argument must be server or client, got ${mode}`);
  const options = { mode, port: 0, count: 60, intervalMs: 25, graceMs: 1200, disconnectData: 0, pollMs: 2, timeoutMs: 20000 };
  const names = { '--port': 'port', '--count': 'count', '--interval-ms': 'intervalMs', '--grace-ms': 'graceMs', '--disconnect-data': 'disconnectData', '--poll-ms': 'pollMs', '--timeout-ms': 'timeoutMs' };
  for (let index = 1; index < argv.length; index += 2) {
    const key = names[argv[index]];
    const value = Number(argv[index + 1]);
    if (key === undefined) fail(`unknown option ${argv[index]}`);
    if (!Number.isSafeInteger(value) || value < 0) fail(`${argv[index]} needs a whole number, got ${argv[index + 1]}`);
    options[key] = value;
  }
  if (mode === 'client' && options.port === 0) fail('client needs --port');
  return options;
}

/** The peer's RTT fields from the emscripten heap, after checking the layout against the exposed getters. */
function readRtt(peer) {
  const pointer = peer._pointer;
  if (!pointer) return { error: 'peer has no pointer (already reset)' };
  const heap = enetModule.HEAPU32;
  const at = (offset) => heap[(pointer + offset) >> 2];
  if (at(OFFSET_STATE) !== peer.state() || at(OFFSET_INCOMING_DATA_TOTAL) !== peer.incomingDataTotal() || at(OFFSET_MTU) !== DEFAULT_MTU) {
    return { error: `ENetPeer layout check failed: state ${at(OFFSET_STATE)}/${peer.state()}, incomingDataTotal ${at(OFFSET_INCOMING_DATA_TOTAL)}/${peer.incomingDataTotal()}, mtu ${at(OFFSET_MTU)}` };
  }
  return { roundTripTime: at(OFFSET_ROUND_TRIP_TIME), roundTripTimeVariance: at(OFFSET_ROUND_TRIP_TIME_VARIANCE), lowestRoundTripTime: at(OFFSET_LOWEST_ROUND_TRIP_TIME) };
}

function runServer(options) {
  enet.createServer({ address: { address: '127.0.0.1', port: 0 }, peers: 8, channels: 2, down: 0, up: 0 }, (error, host) => {
    if (error) fail(`createServer failed: ${error}`);
    print({ event: 'listening', port: host.address().port });
    host.on('connect', (peer, data) => {
      print({ event: 'connect', data });
      peer.on('message', (packet, channel) => {
        const bytes = Buffer.from(packet.data());
        peer.send(channel, new enet.Packet(bytes, enet.PACKET_FLAG.RELIABLE));
        print({ event: 'receive', channel, text: bytes.toString(), rtt: readRtt(peer) });
      });
      peer.on('disconnect', (disconnectData) => {
        print({ event: 'disconnect', data: disconnectData });
        setTimeout(() => process.exit(0), 50);
      });
    });
    host.start(options.pollMs);
  });
}

function runClient(options) {
  const deadline = setTimeout(() => {
    print({ event: 'result', ok: false, error: `not done within ${options.timeoutMs} ms` });
    process.exit(1);
  }, options.timeoutMs);
  enet.createClient({ peers: 1, channels: 2, down: 0, up: 0 }, (error, host) => {
    if (error) fail(`createClient failed: ${error}`);
    const expected = [[], []];
    const state = { sent: 0, echoed: 0, inOrder: true, disconnected: false, rtt: null };
    const peer = host.connect({ address: '127.0.0.1', port: options.port }, 2, 0, (connectError) => {
      if (connectError) {
        print({ event: 'result', ok: false, error: `connect failed: ${connectError}` });
        process.exit(1);
      }
      host.start(options.pollMs);
      print({ event: 'connect' });
      const sender = setInterval(() => {
        if (state.sent >= options.count) {
          clearInterval(sender);
          return;
        }
        const channel = state.sent % 2;
        const text = `packet ${state.sent}`;
        expected[channel].push(text);
        peer.send(channel, new enet.Packet(Buffer.from(text), enet.PACKET_FLAG.RELIABLE));
        state.sent += 1;
      }, options.intervalMs);
    });
    peer.on('message', (packet, channel) => {
      const text = Buffer.from(packet.data()).toString();
      if (expected[channel].shift() !== text) state.inOrder = false;
      state.echoed += 1;
      if (state.echoed === options.count) {
        setTimeout(() => {
          state.rtt = readRtt(peer);
          peer.disconnect(options.disconnectData);
        }, options.graceMs);
      }
    });
    peer.on('disconnect', () => {
      state.disconnected = true;
      clearTimeout(deadline);
      const ok = state.sent === options.count && state.echoed === options.count && state.inOrder;
      print({ event: 'result', ok, sent: state.sent, echoed: state.echoed, inOrder: state.inOrder, disconnected: true, rtt: state.rtt });
      setTimeout(() => process.exit(ok ? 0 : 1), 50);
    });
  });
}

const options = parseArgs(process.argv.slice(2));
if (options.mode === 'server') runServer(options);
else runClient(options);
