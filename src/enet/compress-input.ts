// The input side Godot's ENet compressors share: ENet hands over the datagram body as a list of
// buffers and Godot copies them into one contiguous block before calling its compressor.

/**
 * The first `inputLengthBytes` bytes of `buffers`, concatenated in order (Godot's
 * `enet_compress` copies ENet's buffers into `src_mem` the same way). ENet always passes the total
 * length; a longer `inputLengthBytes` is clamped to what the buffers hold.
 */
export function joinCompressorInput(buffers: readonly Uint8Array[], inputLengthBytes: number): Uint8Array {
  let availableBytes = 0;
  for (const buffer of buffers) availableBytes += buffer.length;
  const lengthBytes = Math.max(0, Math.min(availableBytes, Math.floor(inputLengthBytes)));
  if (buffers.length === 1 && buffers[0]!.length === lengthBytes) return buffers[0]!;
  const joined = new Uint8Array(lengthBytes);
  let offset = 0;
  for (const buffer of buffers) {
    if (offset >= lengthBytes) break;
    const part = buffer.length <= lengthBytes - offset ? buffer : buffer.subarray(0, lengthBytes - offset);
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
