// Every application packet the simulation sends is tagged and recorded, so delivery (exactly once,
// in order per channel), duplication and one-way latency can be checked after the run.
//
// Tag: the first 8 bytes of the payload are the packet id (uint32, big-endian) and a check word
// derived from it. Packets shorter than 8 bytes cannot carry the tag: they are recorded as sent
// but their receipt cannot be matched (`tagged: false`).

import { readU32, writeU32 } from '../enet/codec.js';
import { SimulationLimitReached } from './limits.js';

export const TAG_SIZE_BYTES = 8;

export interface SentPacket {
  id: number;
  from: string;
  to: string;
  channel: number;
  flags: number;
  sizeBytes: number;
  sentAtMs: number;
  /** The workload (stream name, "send", "bulk", "broadcast") that sent it. */
  source: string;
  tagged: boolean;
  /** ENet refused the send (enet_peer_send returned -1: not connected, bad channel...): it never left. */
  refused: boolean;
  /** Times it was handed to the receiving application (more than one means duplication). */
  receivedAtMs: number[];
}

/** Upper bound on recorded packets (a 10-minute 60 Hz duel sends ~50 000). */
export const LEDGER_PACKETS_MAX = 5_000_000;

/** Payloads are cut from slabs of this size (a larger payload gets its own array). */
const SLAB_SIZE_BYTES = 65_536;
const SLAB_PAYLOAD_MAX_BYTES = 4_096;

/** The receipts of a packet never received: one shared, frozen empty list (the first receipt replaces it). */
const NO_RECEIPTS: number[] = Object.freeze([]) as unknown as number[];

function checkWord(id: number): number {
  return Math.imul(id ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
}

export class Ledger {
  private readonly packets: SentPacket[] = [];
  private nextId = 1;
  /**
   * Payloads are views into a slab, filled front to back and never written again, so a payload an ENet
   * host keeps (it may keep the array it is given) never changes; a new slab replaces a full one.
   */
  private slab = new Uint8Array(SLAB_SIZE_BYTES);
  private slabOffset = 0;
  /** Receipts whose payload carried no tag of ours, per receiving host. */
  untaggedReceipts = 0;

  /** @param packetsMax - the recording bound, default {@link LEDGER_PACKETS_MAX}. */
  constructor(readonly packetsMax = LEDGER_PACKETS_MAX) {}

  /**
   * Builds a tagged payload of `sizeBytes` and records the send. Throws {@link SimulationLimitReached}
   * when `packetsMax` packets are recorded already: a send the ledger cannot record could not be
   * checked, so the run must end there (Simulation.run turns it into a stop reason).
   */
  recordSend(record: Omit<SentPacket, 'id' | 'tagged' | 'receivedAtMs' | 'refused'>): Uint8Array {
    if (this.packets.length >= this.packetsMax) throw new SimulationLimitReached('ledgerPackets', this.packetsMax, record.sentAtMs);
    const id = this.nextId++;
    const payload = this.newPayload(record.sizeBytes);
    const tagged = record.sizeBytes >= TAG_SIZE_BYTES;
    if (tagged) {
      writeU32(payload, 0, id);
      writeU32(payload, 4, checkWord(id));
    }
    // The rest is a fixed pattern; compressible enough to exercise a compressor, cheap to make.
    payload.fill(id & 0xff, tagged ? TAG_SIZE_BYTES : 0);
    // One object shape for every record (a spread would make V8 see many shapes on this hot path).
    this.packets.push({
      id,
      from: record.from,
      to: record.to,
      channel: record.channel,
      flags: record.flags,
      sizeBytes: record.sizeBytes,
      sentAtMs: record.sentAtMs,
      source: record.source,
      tagged,
      refused: false,
      receivedAtMs: NO_RECEIPTS,
    });
    return payload;
  }

  /** A zeroed array of `sizeBytes` that no one else holds. */
  private newPayload(sizeBytes: number): Uint8Array {
    if (sizeBytes > SLAB_PAYLOAD_MAX_BYTES) return new Uint8Array(sizeBytes);
    if (this.slabOffset + sizeBytes > SLAB_SIZE_BYTES) {
      this.slab = new Uint8Array(SLAB_SIZE_BYTES);
      this.slabOffset = 0;
    }
    const payload = this.slab.subarray(this.slabOffset, this.slabOffset + sizeBytes);
    this.slabOffset += sizeBytes;
    return payload;
  }

  /** Marks the most recent send as refused by ENet. */
  markLastRefused(): void {
    const last = this.packets[this.packets.length - 1];
    if (last !== undefined) last.refused = true;
  }

  /** Matches a received payload to its send; returns the record or null for foreign data. */
  recordReceipt(data: Uint8Array, atMs: number): SentPacket | null {
    if (data.length < TAG_SIZE_BYTES) {
      this.untaggedReceipts++;
      return null;
    }
    const id = readU32(data, 0);
    if (id < 1 || id >= this.nextId || readU32(data, 4) !== checkWord(id)) {
      this.untaggedReceipts++;
      return null;
    }
    const record = this.packets[id - 1]!;
    if (record.receivedAtMs === NO_RECEIPTS) record.receivedAtMs = [atMs];
    else record.receivedAtMs.push(atMs);
    return record;
  }

  get all(): readonly SentPacket[] {
    return this.packets;
  }
}
