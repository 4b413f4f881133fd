// Byte arrays that leave the core (datagrams sent, packets received, packets queued for sending) are
// cut from shared slabs instead of allocated one by one. V8 keeps a typed array of at most 64 bytes
// on its heap; a larger one gets a backing store of its own (an allocation outside the heap, an
// extension the garbage collector has to sweep), several times the cost. A view into a slab costs the
// same as a small array whatever its length.
//
// Each array cut from a slab is its own region, never handed out twice, so its receiver may keep and
// change it freely; only `.buffer` is shared (use `byteOffset` with it). A slab lives as long as any
// view into it.

/** Bytes per slab. */
export const SLAB_SIZE_BYTES = 16 * 1024;
/** Arrays longer than this get their own buffer (they would waste too much of a slab's tail). */
export const SLAB_PIECE_BYTES_MAX = 1024;

let slab = new ArrayBuffer(SLAB_SIZE_BYTES);
let slabUsedBytes = 0;

/** A zero-filled array of `lengthBytes`, cut from the current slab when it is short. */
export function allocateBytes(lengthBytes: number): Uint8Array {
  if (lengthBytes > SLAB_PIECE_BYTES_MAX) return new Uint8Array(lengthBytes);
  if (slabUsedBytes + lengthBytes > SLAB_SIZE_BYTES) {
    slab = new ArrayBuffer(SLAB_SIZE_BYTES);
    slabUsedBytes = 0;
  }
  const bytes = new Uint8Array(slab, slabUsedBytes, lengthBytes);
  slabUsedBytes += lengthBytes;
  return bytes;
}

/** A copy of `source[start, end)` that the receiver owns (TypedArray.slice, cut from a slab when short). */
export function copyBytes(source: Uint8Array, start: number, end: number): Uint8Array {
  const lengthBytes = end - start;
  if (lengthBytes > SLAB_PIECE_BYTES_MAX) return source.slice(start, end);
  const bytes = allocateBytes(lengthBytes);
  if (lengthBytes <= 64) {
    for (let index = 0; index < lengthBytes; index++) bytes[index] = source[start + index]!;
  } else {
    bytes.set(source.subarray(start, end));
  }
  return bytes;
}
