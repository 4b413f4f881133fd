// The binary protocol between the TypeScript side and native/libenet-driver.c.
//
//   request  = u32 bodyBytes, u8 opCode, arguments
//   response = u32 bodyBytes, u8 status (0 ok, 1 refused), payload or UTF-8 message
//
// All integers are little-endian. The argument and payload layout of every op is documented above
// its handler in libenet-driver.c; the op codes below must match the driver's op table.

/** Op codes of the driver's op table. Append new ops at the end; never renumber. */
export const OpCode = {
  createHost: 1,
  destroyHost: 2,
  setTime: 3,
  deliver: 4,
  service: 5,
  checkEvents: 6,
  flush: 7,
  takeSent: 8,
  connect: 9,
  broadcast: 10,
  bandwidthLimit: 11,
  channelLimit: 12,
  peerSend: 13,
  peerDisconnect: 14,
  peerDisconnectLater: 15,
  peerDisconnectNow: 16,
  peerReset: 17,
  peerPing: 18,
  peerPingInterval: 19,
  peerTimeout: 20,
  peerThrottleConfigure: 21,
  peerSnapshot: 22,
  hostSnapshot: 23,
  cpuTime: 24,
  callCounts: 25,
  compressWithRangeCoder: 26,
  peerSetPacketThrottle: 27,
  peerStates: 40,
  rangeCoderCompress: 41,
  rangeCoderDecompress: 42,
  serviceObserve: 43,
  hostDump: 44,
} as const;

export type OpName = keyof typeof OpCode;

export const STATUS_OK = 0;
export const STATUS_REFUSED = 1;

/** Largest request body the driver accepts (MAX_REQUEST_BYTES in the C source). */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** Largest response body the driver sends: status byte + MAX_RESPONSE_BYTES of payload. */
export const MAX_RESPONSE_BYTES = 1 + 24 * 1024 * 1024;

const INITIAL_FRAME_BYTES = 4096;

function assertUint(value: number, bits: 8 | 16 | 32, what: string): void {
  const limit = 2 ** bits;
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new RangeError(`${what} must be an integer in [0, ${limit}), got ${value}`);
  }
}

/** Builds one request frame; reused between requests so the hot path does not allocate. */
export class FrameWriter {
  private buffer = Buffer.alloc(INITIAL_FRAME_BYTES);
  private offsetBytes = 4;

  begin(op: OpName): this {
    this.offsetBytes = 4;
    return this.u8(OpCode[op], 'op code');
  }

  u8(value: number, what = 'u8'): this {
    assertUint(value, 8, what);
    this.reserve(1);
    this.buffer.writeUInt8(value, this.offsetBytes);
    this.offsetBytes += 1;
    return this;
  }

  u16(value: number, what = 'u16'): this {
    assertUint(value, 16, what);
    this.reserve(2);
    this.buffer.writeUInt16LE(value, this.offsetBytes);
    this.offsetBytes += 2;
    return this;
  }

  u32(value: number, what = 'u32'): this {
    assertUint(value, 32, what);
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.offsetBytes);
    this.offsetBytes += 4;
    return this;
  }

  /** A u32 byte count followed by the bytes. */
  bytes(data: Uint8Array, what = 'bytes'): this {
    this.u32(data.length, `${what} length`);
    this.reserve(data.length);
    this.buffer.set(data, this.offsetBytes);
    this.offsetBytes += data.length;
    return this;
  }

  /** The finished frame (a view into the reused buffer, valid until the next begin). */
  frame(): Buffer {
    const bodyBytes = this.offsetBytes - 4;
    if (bodyBytes > MAX_REQUEST_BYTES) {
      throw new RangeError(`request body of ${bodyBytes} bytes exceeds the driver's ${MAX_REQUEST_BYTES}`);
    }
    this.buffer.writeUInt32LE(bodyBytes, 0);
    return this.buffer.subarray(0, this.offsetBytes);
  }

  private reserve(byteCount: number): void {
    const needed = this.offsetBytes + byteCount;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.offsetBytes);
    this.buffer = grown;
  }
}

/** Reads one response payload; every read is bounds-checked against the payload length. */
export class FrameReader {
  private offsetBytes = 0;

  constructor(
    private readonly payload: Buffer,
    private readonly opName: string,
  ) {}

  u8(): number {
    return this.payload.readUInt8(this.advance(1));
  }

  u16(): number {
    return this.payload.readUInt16LE(this.advance(2));
  }

  u32(): number {
    return this.payload.readUInt32LE(this.advance(4));
  }

  i32(): number {
    return this.payload.readInt32LE(this.advance(4));
  }

  /** A u64 as a number; exact up to 2^53 (104 days of nanoseconds). */
  u64(): number {
    const low = this.u32();
    const high = this.u32();
    return high * 2 ** 32 + low;
  }

  /** `byteCount` bytes, copied out of the reused response buffer. */
  copy(byteCount: number): Uint8Array {
    const start = this.advance(byteCount);
    return new Uint8Array(this.payload.subarray(start, start + byteCount));
  }

  /** u8 nameBytes + name (ASCII). */
  name(): string {
    const nameBytes = this.u8();
    const start = this.advance(nameBytes);
    return this.payload.toString('latin1', start, start + nameBytes);
  }

  end(): void {
    if (this.offsetBytes !== this.payload.length) {
      throw new Error(`${this.opName} response has ${this.payload.length - this.offsetBytes} unread bytes`);
    }
  }

  private advance(byteCount: number): number {
    const start = this.offsetBytes;
    if (start + byteCount > this.payload.length) {
      throw new Error(`${this.opName} response too short: needs ${byteCount} bytes at ${start} of ${this.payload.length}`);
    }
    this.offsetBytes += byteCount;
    return start;
  }
}
