// `run --explain`: the narration collapses repetition (tested on hand-built traces), and for every
// shipped scenario it fits 150 lines, names every action, state change, timeout, throttle step and
// retransmitted command of the trace, and is the same on two runs of the same seed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  narrateTrace,
  narrate,
  NARRATION_LINES_MAX,
  NARRATION_WIDTH_CHARS,
  retransmittedCommands,
  formatTimeRange,
} from '../../src/cli/commands/explain.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { DatagramTraceEvent, HostTraceEvent, StateTraceEvent, StatsTraceEvent, TraceEvent } from '../../src/trace/trace.js';
import { FakeIo, REPO_ROOT, runWith } from './support-io.js';

// ---- hand-built traces ---------------------------------------------------------------------------

function receive(atMs: number, channel: number, peer = 'client'): HostTraceEvent {
  return { kind: 'event', atMs, host: 'server', type: 'receive', peer, channel, sizeBytes: 10 };
}

function state(atMs: number, from: string, to: string, cause?: string): StateTraceEvent {
  return { kind: 'state', atMs, host: 'client', peer: 'server', from, to, ...(cause !== undefined ? { cause } : {}) };
}

function throttle(atMs: number, per32: number, rttMs = 50): StatsTraceEvent {
  const values = new Array<number>(14).fill(0);
  values[3] = rttMs;
  values[7] = per32;
  return { kind: 'stats', atMs, host: 'client', peer: 'server', values };
}

function sent(atMs: number, commands: string[]): DatagramTraceEvent {
  return { kind: 'datagram', atMs, phase: 'sent', id: atMs, from: 'client', to: 'server', sizeBytes: 100, commands };
}

/** The narration's logical lines: a continuation (indented 16) joined to the line it continues. */
function logicalLines(text: string): string[] {
  return text.replace(/\n {16}(?=\S)/g, ' ').split('\n');
}

/** The narration's logical lines without the time column. */
function texts(lines: readonly string[]): string[] {
  return logicalLines(lines.join('\n')).map((line) => line.replace(/^ +\S+ /, ''));
}

describe('--explain collapses repetition', () => {
  const twelveReceives = Array.from({ length: 12 }, (_, index) => receive(1035 + index * 42, 1));

  it('collapse: 12 receive events on one channel become one line with their count and time range', () => {
    const narration = narrateTrace(twelveReceives, 1);
    expect(narration.lines).toEqual(['     1.035s server: 12 receive events from client on ch1 (1.035–1.497s)']);
    expect(narration.collapsing.receiveWindowMs).toBeGreaterThan(0);
  });

  it('collapse: with room enough, every event keeps its own line, in the words of a single event', () => {
    const narration = narrateTrace(twelveReceives, 100);
    expect(narration.lines).toHaveLength(12);
    expect(narration.lines[0]).toBe('     1.035s server: receive event from client on ch1');
    expect(narration.collapsing).toEqual({ receiveWindowMs: 0, otherWindowMs: 0 });
  });

  it('collapse: receive events on two channels or from two peers are never counted together', () => {
    const events = [receive(1000, 0), receive(1010, 1), receive(1020, 0), receive(1030, 1), receive(1040, 0, 'other')];
    expect(texts(narrateTrace(events, 3).lines)).toEqual([
      'server: 2 receive events from client on ch0 (1–1.02s)',
      'server: 2 receive events from client on ch1 (1.01–1.03s)',
      'server: receive event from other on ch0',
    ]);
  });

  it('collapse: a state change keeps its own line and splits the runs around it', () => {
    const events = [receive(1000, 0), receive(1100, 0), state(1150, 'STATE_CONNECTED', 'STATE_DISCONNECTED', 'timeoutLimit'), receive(1200, 0), receive(1300, 0)];
    expect(texts(narrateTrace(events, 3).lines)).toEqual([
      'server: 2 receive events from client on ch0 (1–1.1s)',
      "client->server: STATE_CONNECTED → STATE_DISCONNECTED (timeout: the retransmission backoff reached set_timeout's limit and timeout_min passed)",
      'server: 2 receive events from client on ch0 (1.2–1.3s)',
    ]);
  });

  it('collapse: throttle steps become one line that still names every step', () => {
    const events = [throttle(1200, 30, 60), throttle(1300, 28, 80), throttle(1400, 26, 90), throttle(1500, 26), throttle(1600, 28, 70)];
    expect(texts(narrateTrace(events, 1).lines)).toEqual(['client->server: packet throttle in 32nds, 4 steps (1.2–1.6s, RTT 60–90 ms): 32 → 30 → 28 → 26 → 28']);
    expect(texts(narrateTrace(events, 10).lines)[0]).toBe('client->server: packet throttle 32 → 30 of 32 (RTT 60 ms, var 0, last RTT 0)');
  });

  it('collapse: retransmissions name each command with the highest transmission it reached', () => {
    const events = [
      sent(1000, ['SEND_RELIABLE ch0 #5', 'SEND_RELIABLE ch0 #9', 'SEND_RELIABLE ch0 #10', 'SEND_RELIABLE ch0 #11', 'SEND_UNRELIABLE ch0 #11']),
      sent(1100, ['SEND_RELIABLE ch0 #5', 'PING ch255 #4']),
      sent(1200, ['SEND_RELIABLE ch0 #5', 'SEND_RELIABLE ch0 #9', 'SEND_RELIABLE ch0 #10', 'SEND_RELIABLE ch0 #11']),
      sent(1300, ['PING ch255 #4']),
    ];
    expect(texts(narrateTrace(events, 1).lines)).toEqual(['client->server: retransmits 6 times (1.1–1.3s): SEND_RELIABLE ch0 #5×3 #9–11×2, PING ch255 #4×2']);
    expect(texts(narrateTrace(events, 10).lines)).toEqual([
      'client->server: retransmits SEND_RELIABLE ch0 #5 (transmission 2)',
      'client->server: retransmits SEND_RELIABLE ch0 #5 (transmission 3), #9 (transmission 2), #10 (transmission 2), #11 (transmission 2)',
      'client->server: retransmits PING ch255 #4 (transmission 2)',
    ]);
  });

  it('collapse: a peer that disconnects forgets its transmissions, so its successor\'s first sending is no retransmission', () => {
    const events = [sent(1000, ['CONNECT ch255 #1']), state(1500, 'STATE_CONNECTING', 'STATE_DISCONNECTED'), sent(2000, ['CONNECT ch255 #1'])];
    expect(narrateTrace(events, 10).lines.join('\n')).not.toContain('retransmits');
  });

  it('collapse: a long list wraps at the width, continuation lines indented, no item split', () => {
    const commands = Array.from({ length: 60 }, (_, index) => `SEND_RELIABLE ch0 #${index * 2}`);
    const narration = narrateTrace([sent(1000, commands), sent(1100, commands), sent(1200, commands.slice(0, 1))], 1);
    expect(narration.lines.length).toBeGreaterThan(2);
    for (const line of narration.lines) expect(line.length).toBeLessThanOrEqual(NARRATION_WIDTH_CHARS);
    expect(narration.lines[0]).toMatch(/^ +1\.1s client->server: retransmits 61 times \(1\.1–1\.2s\): SEND_RELIABLE ch0 #0×3 #2×2 #4×2/);
    for (const line of narration.lines.slice(1)) expect(line).toMatch(/^ {16}#\d+×2( #\d+×2)*$/);
    const named = narration.lines.join(' ').match(/#\d+×\d/g);
    expect(named).toHaveLength(60);
  });

  it('collapse: 100 000 receive events around 1 000 state changes fall back to the coarsest collapsing, cut at NARRATION_LINES_MAX lines', () => {
    const events: TraceEvent[] = [];
    for (let index = 0; index < 100_000; index++) {
      if (index % 100 === 0) events.push(state(index, 'STATE_CONNECTED', 'STATE_ZOMBIE'));
      events.push(receive(index, index % 4));
    }
    const narration = narrateTrace(events);
    expect(narration.collapsing).toEqual({ receiveWindowMs: Infinity, otherWindowMs: Infinity });
    expect(narration.lines).toHaveLength(NARRATION_LINES_MAX);
    // 1 000 state lines and, in each of the 1 000 stretches after them, one line per channel.
    expect(narration.omittedCount).toBe(1000 + 4000 - NARRATION_LINES_MAX);
    expect(texts(narration.lines.slice(0, 5))).toEqual([
      'client->server: STATE_CONNECTED → STATE_ZOMBIE',
      'server: 25 receive events from client on ch0 (0–96ms)',
      'server: 25 receive events from client on ch1 (1–97ms)',
      'server: 25 receive events from client on ch2 (2–98ms)',
      'server: 25 receive events from client on ch3 (3–99ms)',
    ]);
  });

  it('retransmittedCommands: consecutive sequence numbers at the same transmission become a range, per command and channel', () => {
    const list = retransmittedCommands([
      { command: 'SEND_RELIABLE ch0 #7', transmission: 2 },
      { command: 'SEND_RELIABLE ch0 #8', transmission: 2 },
      { command: 'SEND_RELIABLE ch1 #8', transmission: 2 },
      { command: 'SEND_RELIABLE ch0 #9', transmission: 3 },
      { command: 'SEND_RELIABLE ch0 #9', transmission: 2 },
      { command: 'SEND_RELIABLE ch0 #3', transmission: 2 },
    ]);
    expect(list).toEqual(['SEND_RELIABLE ch0 #3×2', '#7–8×2', '#9×3,', 'SEND_RELIABLE ch1 #8×2']);
  });

  it('formatTimeRange: one unit when both ends share it, "at" for one instant', () => {
    expect(formatTimeRange(1035, 1497)).toBe('1.035–1.497s');
    expect(formatTimeRange(950, 1200)).toBe('950ms–1.2s');
    expect(formatTimeRange(1200, 1200)).toBe('at 1.2s');
  });
});

// ---- every shipped scenario ------------------------------------------------------------------------

/** The shipped scenarios, as paths relative to the repository root. */
const SHIPPED = readdirSync(join(REPO_ROOT, 'scenarios'))
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => `scenarios/${file}`);

/** How many lines say `fragment` after a space or a parenthesis ("seq->server" is not in "unseq->server"). */
function count(lines: readonly string[], fragment: string): number {
  return lines.filter((line) => line.includes(fragment.startsWith('(') ? fragment : ` ${fragment}`)).length;
}

/** Every throttle step of the trace, per peer: "32 → 30" strings, in order. */
function throttleStepsOfTrace(events: readonly TraceEvent[]): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  const last = new Map<string, number>();
  for (const event of events) {
    if (event.kind !== 'stats') continue;
    const pair = `${event.host}->${event.peer}`;
    const previous = last.get(pair) ?? 32;
    last.set(pair, event.values[7]!);
    if (event.values[7] !== previous) steps.set(pair, [...(steps.get(pair) ?? []), `${previous} → ${event.values[7]}`]);
  }
  return steps;
}

/** Every throttle step the narration names, per peer, in order. */
function throttleStepsNarrated(lines: readonly string[]): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  for (const line of lines) {
    const match = /^ +\S+ (\S+): packet throttle (?:in 32nds, \d+ steps \([^)]*\): )?(\d+(?: → \d+)+)/.exec(line);
    if (match === null) continue;
    const values = match[2]!.split(' → ');
    const named = values.slice(1).map((value, index) => `${values[index]} → ${value}`);
    steps.set(match[1]!, [...(steps.get(match[1]!) ?? []), ...named]);
  }
  return steps;
}

/** "pair command" → highest transmission, from the trace (a peer's end forgets its counts). */
function retransmissionsOfTrace(events: readonly TraceEvent[]): Map<string, number> {
  const sendings = new Map<string, number>();
  const highest = new Map<string, number>();
  for (const event of events) {
    if (event.kind === 'state' && event.to === 'STATE_DISCONNECTED') {
      for (const key of [...sendings.keys()]) if (key.startsWith(`${event.host}->${event.peer} `)) sendings.delete(key);
    }
    // A crashed host's commands die with it: the restarted host numbers its own from the start.
    if (event.kind === 'action' && event.action === 'crash') {
      for (const key of [...sendings.keys()]) if (key.startsWith(`${event.host}->`)) sendings.delete(key);
    }
    if (event.kind !== 'datagram' || event.phase !== 'sent') continue;
    for (const command of event.commands ?? []) {
      if (!/^(CONNECT|VERIFY_CONNECT|PING|SEND_RELIABLE|SEND_FRAGMENT|BANDWIDTH_LIMIT|THROTTLE_CONFIGURE|DISCONNECT) /.test(command)) continue;
      const key = `${event.from}->${event.to} ${command}`;
      const sending = (sendings.get(key) ?? 0) + 1;
      sendings.set(key, sending);
      if (sending > 1) highest.set(key, Math.max(highest.get(key) ?? 0, sending));
    }
  }
  return highest;
}

/** "pair command" → highest transmission, from the narration's two forms (single and collapsed). */
function retransmissionsNarrated(lines: readonly string[]): Map<string, number> {
  const highest = new Map<string, number>();
  const note = (key: string, transmission: number) => highest.set(key, Math.max(highest.get(key) ?? 0, transmission));
  for (const line of lines) {
    const match = /^ +\S+ (\S+): retransmits (\d+ times \([^)]*\): )?(.*)$/.exec(line);
    if (match === null) continue;
    const pair = match[1]!;
    if (match[2] === undefined) {
      let kind = '';
      for (const each of match[3]!.matchAll(/(?:(\S+ ch\d+) )?(#\d+) \(transmission (\d+)\)/g)) {
        kind = each[1] ?? kind;
        note(`${pair} ${kind} ${each[2]}`, Number(each[3]));
      }
      continue;
    }
    let kind = '';
    for (const token of match[3]!.matchAll(/(?:(\S+ ch\d+) )?#(\d+)(?:–(\d+))?×(\d+)/g)) {
      kind = token[1] ?? kind;
      for (let sequence = Number(token[2]); sequence <= Number(token[3] ?? token[2]); sequence++) note(`${pair} ${kind} #${sequence}`, Number(token[4]));
    }
  }
  return highest;
}

describe('--explain beside a machine-readable report', () => {
  it('--explain with --reporter json and no --out: the narration goes to stderr, stdout is the JSON report alone', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    const run = await runWith(io, ['run', 'scenarios/handshake.yaml', '--explain', '--reporter', 'json']);
    io.dispose();
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ passed: true });
    expect(run.err).toContain('Scenario "the ENet handshake" (scenarios/handshake.yaml), defaults resolved:');
  });

  it('--explain of a run where nothing happens says so under its heading', async () => {
    const io = new FakeIo();
    io.put('idle.yaml', 'name: idle\nduration: 2s\nhosts:\n  server: {}\n  client: {}\n');
    const run = await runWith(io, ['run', 'idle.yaml', '--explain']);
    io.dispose();
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('Narrated run (seed 1):\n  nothing happened: no action, no datagram and no state change in the whole run\n');
  });

  it('--explain with the pretty reporter: the narration stays on stdout before the table', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    const run = await runWith(io, ['run', 'scenarios/handshake.yaml', '--explain']);
    io.dispose();
    expect(run.out).toMatch(/^Scenario "the ENet handshake"/);
    expect(run.err).toBe('');
  });
});

describe('--explain of every shipped scenario', () => {
  /** What the checks below compared, over all scenarios: none of them may have compared nothing. */
  const checked = { states: 0, timeouts: 0, throttleSteps: 0, retransmittedCommands: 0 };

  it('shipped: the list of scenarios is found', () => {
    expect(SHIPPED.length).toBeGreaterThan(20);
  });

  for (const file of SHIPPED) {
    it(`${file}: --explain fits 150 lines, names every action, state change, timeout, throttle step and retransmission, and is the same on two runs`, async () => {
      const io = new FakeIo({ cwd: REPO_ROOT });
      const run = await runWith(io, ['run', file, '--explain']);
      io.dispose();
      expect(run.code).toBe(0);
      expect(run.out.trimEnd().split('\n').length).toBeLessThanOrEqual(150);

      const loaded = loadScenario(file, readFileSync(join(REPO_ROOT, file), 'utf8'));
      if (!loaded.ok) throw new Error(`${file} does not load`);
      const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed, typescriptOnly: true });
      sim.run(loaded.scenario.durationMs);
      sim.destroy();
      const narration = narrate(loaded.scenario, sim);
      // A second, independent run of the same seed (the CLI's) narrates byte for byte the same.
      expect(run.out.startsWith(narration)).toBe(true);
      expect(narration).not.toContain('more lines (use --trace FILE');

      const lines = logicalLines(narration);
      const events = sim.trace.events;
      const states = events.filter((event): event is StateTraceEvent => event.kind === 'state');
      expect(states.length).toBeGreaterThan(0);
      for (const event of states) {
        const said = `${event.host}->${event.peer}: ${event.from} → ${event.to}`;
        expect(count(lines, said), said).toBe(states.filter((other) => `${other.host}->${other.peer}: ${other.from} → ${other.to}` === said).length);
      }
      for (const cause of ['timeoutMaximum', 'timeoutLimit']) {
        const timeouts = states.filter((event) => event.cause === cause).length;
        expect(count(lines, cause === 'timeoutMaximum' ? '(timeout: a reliable command went unacknowledged' : '(timeout: the retransmission backoff'), cause).toBe(timeouts);
      }
      for (const event of events) {
        // A reaction's run is told in words: "server: reacts to connect of client: set_timeout".
        const said = event.kind === 'action' && event.action === 'reaction' ? `${event.host}: reacts to ${String(event.detail?.['on'])} of ${String(event.detail?.['peer'])}: ${String(event.detail?.['does'])}` : null;
        if (event.kind === 'action') expect(count(lines, said ?? `${event.host ?? 'network'}: ${event.action}`), event.action).toBeGreaterThan(0);
        if (event.kind === 'event' && event.type !== 'receive') expect(count(lines, `${event.host}: ${event.type} event`), event.type).toBeGreaterThan(0);
      }
      const throttleSteps = throttleStepsOfTrace(events);
      const retransmissions = retransmissionsOfTrace(events);
      expect(throttleStepsNarrated(lines)).toEqual(throttleSteps);
      expect(retransmissionsNarrated(lines)).toEqual(retransmissions);
      checked.states += states.length;
      checked.timeouts += states.filter((event) => event.cause?.startsWith('timeout') === true).length;
      checked.throttleSteps += [...throttleSteps.values()].flat().length;
      checked.retransmittedCommands += retransmissions.size;
    }, 60_000);
  }

  it('shipped: the checks above compared states, timeouts, throttle steps and retransmissions (they are not vacuous)', () => {
    expect(checked.states).toBeGreaterThan(100);
    expect(checked.timeouts).toBeGreaterThan(5);
    expect(checked.throttleSteps).toBeGreaterThan(100);
    expect(checked.retransmittedCommands).toBeGreaterThan(500);
  });
});
