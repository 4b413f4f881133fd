// Counting transmissions of reliable commands from a trace's datagram commands.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/trace.js';
import { TransmissionCounter } from '../../src/trace/transmissions.js';

function sent(atMs: number, commands: string[], from = 'client', to = 'server'): TraceEvent {
  return { kind: 'datagram', atMs, phase: 'sent', id: atMs, from, to, sizeBytes: 40, commands };
}

/** The transmission number of each reliable command in each sent datagram, in trace order. */
function transmissions(events: TraceEvent[]): number[][] {
  const counter = new TransmissionCounter();
  return events.map((event) => counter.observe(event).map((command) => command.transmission));
}

describe('TransmissionCounter', () => {
  it('transmissions: the same command sent again is its 2nd, 3rd... transmission, per direction', () => {
    const events = [sent(0, ['SEND_RELIABLE ch0 #1']), sent(100, ['SEND_RELIABLE ch0 #1', 'SEND_RELIABLE ch0 #2']), sent(300, ['SEND_RELIABLE ch0 #1']), sent(310, ['SEND_RELIABLE ch0 #1'], 'server', 'client')];
    expect(transmissions(events)).toEqual([[1], [2, 1], [3], [1]]);
  });

  it('transmissions: ACKNOWLEDGE and unreliable commands are not reliable commands', () => {
    expect(transmissions([sent(0, ['ACKNOWLEDGE ch0 #1', 'SEND_UNRELIABLE ch0 #1']), sent(10, ['ACKNOWLEDGE ch0 #1', 'SEND_UNRELIABLE ch0 #1'])])).toEqual([[], []]);
  });

  it('transmissions: a sequence number that comes round again after 65536 is a new command, not a retransmission', () => {
    const numbers = [1, 16000, 32000, 48000, 65535, 0, 1, 1];
    const events = numbers.map((number, index) => sent(index * 10, [`SEND_RELIABLE ch0 #${number}`]));
    // #1 comes back after the wrap (new), then is sent again (its 2nd transmission).
    expect(transmissions(events)).toEqual([[1], [1], [1], [1], [1], [1], [1], [2]]);
  });

  it('transmissions: a disconnected peer and a crashed host forget their commands, so a new connection starts at 1', () => {
    const counter = new TransmissionCounter();
    const of = (event: TraceEvent) => counter.observe(event).map((command) => command.transmission);
    expect(of(sent(0, ['CONNECT ch255 #1']))).toEqual([1]);
    expect(of(sent(0, ['VERIFY_CONNECT ch255 #1'], 'server', 'client'))).toEqual([1]);
    counter.observe({ kind: 'state', atMs: 50, host: 'client', peer: 'server', from: 'STATE_CONNECTED', to: 'STATE_DISCONNECTED' });
    expect(of(sent(60, ['CONNECT ch255 #1']))).toEqual([1]);
    counter.observe({ kind: 'action', atMs: 70, host: 'server', action: 'crash' });
    expect(of(sent(80, ['VERIFY_CONNECT ch255 #1'], 'server', 'client'))).toEqual([1]);
    expect(of(sent(90, ['CONNECT ch255 #1']))).toEqual([2]);
  });

  it('transmissions: reports the channel and sequence number of each command', () => {
    expect(new TransmissionCounter().observe(sent(0, ['SEND_FRAGMENT ch3 #17']))).toEqual([{ command: 'SEND_FRAGMENT ch3 #17', channel: 3, sequenceNumber: 17, transmission: 1 }]);
  });
});
