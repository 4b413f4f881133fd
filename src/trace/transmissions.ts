// Which transmission of a reliable ENet command each sent datagram carries: the first, or a
// retransmission (the 2nd, 3rd... time the same command left). Read from a trace's datagram
// `commands` ("SEND_RELIABLE ch1 #48"); shared by `explain`, traffic expectations and sweeps.
import type { DatagramTraceEvent, TraceEvent } from './trace.js';

/** Commands ENet sends reliably and retransmits until acknowledged (an ACKNOWLEDGE is never retransmitted, only sent again for a repeated command). */
export const RELIABLE_COMMAND_NAMES: ReadonlySet<string> = new Set(['CONNECT', 'VERIFY_CONNECT', 'PING', 'SEND_RELIABLE', 'SEND_FRAGMENT', 'BANDWIDTH_LIMIT', 'THROTTLE_CONFIGURE', 'DISCONNECT']);

/** ENet's reliable sequence numbers are 16 bits; fewer than half the space is ever unacknowledged. */
const SEQUENCE_SPACE = 65536;

const COMMAND_PATTERN = /^([A-Z_]+) ch(\d+) #(\d+)$/;

/** One reliable command in a sent datagram, and which transmission of it this was (1 = the first). */
export interface CommandTransmission {
  /** The command as the trace names it: "SEND_RELIABLE ch0 #5". */
  command: string;
  channel: number;
  sequenceNumber: number;
  transmission: number;
}

/**
 * Counts transmissions of reliable commands as the trace is read in order. A command is identified by
 * its direction, name, channel and reliable sequence number. A sequence number ahead of the highest the
 * direction's channel has used is a new command (so a number that comes round again after 65536 is new,
 * not a retransmission); one at or behind it is that command sent again. A peer that returns to
 * STATE_DISCONNECTED, or a host that crashes, forgets its directions: the next connection numbers anew.
 */
export class TransmissionCounter {
  /** "a->b SEND_RELIABLE ch0 #5" → transmissions so far. */
  private readonly counts = new Map<string, number>();
  /** "a->b ch0" → the highest sequence number sent. */
  private readonly highest = new Map<string, number>();

  /** Reads one trace event; for a `sent` datagram, returns its reliable commands with their transmission numbers (else []). */
  observe(event: TraceEvent): CommandTransmission[] {
    if (event.kind === 'state' && event.to === 'STATE_DISCONNECTED') this.forget(`${event.host}->${event.peer} `);
    else if (event.kind === 'action' && event.action === 'crash' && event.host !== undefined) this.forget(`${event.host}->`);
    else if (event.kind === 'datagram' && event.phase === 'sent') return this.sent(event);
    return [];
  }

  private sent(event: DatagramTraceEvent): CommandTransmission[] {
    const found: CommandTransmission[] = [];
    const direction = `${event.from}->${event.to}`;
    for (const command of event.commands ?? []) {
      const match = COMMAND_PATTERN.exec(command);
      if (match === null || !RELIABLE_COMMAND_NAMES.has(match[1]!)) continue;
      const channel = Number(match[2]);
      const sequenceNumber = Number(match[3]);
      const key = `${direction} ${command}`;
      const channelKey = `${direction} ch${channel}`;
      const highest = this.highest.get(channelKey);
      let transmission: number;
      if (highest === undefined || isAhead(sequenceNumber, highest)) {
        this.highest.set(channelKey, sequenceNumber);
        transmission = 1;
      } else {
        transmission = (this.counts.get(key) ?? 0) + 1;
      }
      this.counts.set(key, transmission);
      found.push({ command, channel, sequenceNumber, transmission });
    }
    return found;
  }

  private forget(prefix: string): void {
    for (const key of this.counts.keys()) if (key.startsWith(prefix)) this.counts.delete(key);
    for (const key of this.highest.keys()) if (key.startsWith(prefix)) this.highest.delete(key);
  }
}

/** `sequenceNumber` comes after `highest` in the 16-bit circle (within half of it). */
function isAhead(sequenceNumber: number, highest: number): boolean {
  const distance = (sequenceNumber - highest + SEQUENCE_SPACE) % SEQUENCE_SPACE;
  return distance > 0 && distance < SEQUENCE_SPACE / 2;
}
