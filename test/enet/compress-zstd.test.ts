// Godot's COMPRESS_ZSTD (src/enet/compress-zstd.ts): our frames decode with fzstd and with Debian's
// zstd (the reference libzstd, the library Godot links), libzstd's frames decode with ours, round
// trips from 1 byte to 100 kB, and the header checks that bound what a hostile datagram can cost.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { decompress as fzstdDecompress } from 'fzstd';
import { describe, expect, test } from 'vitest';
import { ZstdCompressor, zstdCompress, zstdDecompress } from '../../src/enet/compress-zstd.js';

const hexOf = (data: Uint8Array | null): string => (data === null ? 'null' : Buffer.from(data).toString('hex'));
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Compressible input: a random alphabet repeated with sparse edits. */
function compressible(seed: Uint8Array, lengthBytes: number): Uint8Array {
  return new Uint8Array(lengthBytes).map((_, index) => seed[index % seed.length]! ^ (index % 89 === 0 ? 0x55 : 0));
}

/** A seeded pseudo-random buffer (not compressible). */
function noise(lengthBytes: number, seed: number): Uint8Array {
  let state = seed >>> 0;
  return new Uint8Array(lengthBytes).map(() => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
}

/** Samples covering the encoder's paths: literals only, short and long matches, runs, several blocks. */
const SAMPLES: readonly { name: string; input: Uint8Array }[] = [
  { name: '1 byte', input: text('x') },
  { name: 'a short run', input: text('aaaaaaaaaaaaaaaaaaaaaaaa') },
  { name: 'a small ENet-like body', input: Uint8Array.from([0x86, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x10, ...text('hello hello hello hello')]) },
  { name: 'text with long matches', input: text('the quick brown fox jumps over the lazy dog; '.repeat(90)) },
  { name: 'noise', input: noise(1400, 1) },
  { name: '100 kB compressible', input: compressible(text('0123456789abcdefghij'), 100_000) },
  { name: '300 kB over three blocks', input: compressible(noise(300, 7), 300_000) },
];

describe('zstd frames as Godot sends them', () => {
  test('a frame: magic 28 B5 2F FD, single segment with the content size, no checksum, no dictionary', () => {
    const output = zstdCompress(text('hello hello hello hello'));
    expect(hexOf(output.subarray(0, 4))).toBe('28b52ffd');
    expect(output[4]).toBe(0x20);
    expect(output[5]).toBe(23);
  });

  test.each(SAMPLES)('$name: our frame decodes with fzstd to the input', ({ input }) => {
    expect(hexOf(fzstdDecompress(zstdCompress(input)))).toBe(hexOf(input));
  });

  test('compressible data shrinks: 100 kB of a 20-byte pattern takes under 10 %', () => {
    expect(zstdCompress(SAMPLES[5]!.input).length).toBeLessThan(10_000);
  });

  test('round trip: any bytes and compressible data from 1 B to 100 kB decode to themselves', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.integer({ min: 1, max: 100_000 }), (seed, lengthBytes) => {
        const input = compressible(seed.subarray(0, 1 + (seed[0]! % 64)), lengthBytes);
        expect(hexOf(zstdDecompress(zstdCompress(input), lengthBytes))).toBe(hexOf(input));
        expect(hexOf(zstdDecompress(zstdCompress(seed), seed.length))).toBe(hexOf(seed));
      }),
      { numRuns: 60 },
    );
  });

  test('random data does not shrink: with ENet\'s limit (the input size) the compressor declines', () => {
    const input = noise(1200, 99);
    expect(new ZstdCompressor().compress([input], input.length, input.length)).toBeNull();
  });
});

describe('zstd decoding as Godot does it', () => {
  test('output past the limit, a frame without its content size, garbage and truncation are refused', () => {
    const input = text('0123456789'.repeat(30));
    const frame = zstdCompress(input);
    expect(zstdDecompress(frame, input.length - 1)).toBeNull();
    expect(hexOf(zstdDecompress(frame, input.length))).toBe(hexOf(input));
    expect(zstdDecompress(frame.subarray(0, frame.length - 1), 4096)).toBeNull();
    expect(zstdDecompress(text('not a zstd frame'), 4096)).toBeNull();
    // Magic, descriptor 0x00 (no content size, window descriptor follows), window 1 KiB, one empty raw last block.
    expect(zstdDecompress(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00]), 4096)).toBeNull();
  });

  test('two frames and a skippable frame: joined, as ZSTD_decompressDCtx does', () => {
    const skippable = Uint8Array.from([0x50, 0x2a, 0x4d, 0x18, 0x02, 0x00, 0x00, 0x00, 0xaa, 0xbb]);
    const joined = Uint8Array.from([...zstdCompress(text('first ')), ...skippable, ...zstdCompress(text('second'))]);
    expect(new TextDecoder().decode(zstdDecompress(joined, 4096)!)).toBe('first second');
  });

  test('decoding never throws on any bytes, and never returns more than the limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 2000 }), (tail, limitBytes) => {
        const decoded = zstdDecompress(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, ...tail]), limitBytes);
        if (decoded !== null) expect(decoded.length).toBeLessThanOrEqual(limitBytes);
      }),
      { numRuns: 1000 },
    );
  });
});

/** Debian's zstd command, or why it cannot run. */
function zstdCommand(): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync('zstd', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return { ok: false, reason: `the zstd command is not installed (apt-get install zstd): ${probe.error?.message ?? probe.stderr}` };
  return { ok: true };
}

function runZstd(args: readonly string[], input: Uint8Array): Uint8Array {
  const result = spawnSync('zstd', args, { input, maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`zstd ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return new Uint8Array(result.stdout);
}

const zstdAvailability = zstdCommand();

describe('against the reference libzstd (Debian\'s zstd command)', () => {
  if (!zstdAvailability.ok) {
    const reason = zstdAvailability.reason;
    if (process.env.CI === 'true') {
      test('the zstd command is available (required under CI)', () => {
        throw new Error(reason);
      });
    } else {
      console.warn(`[enetsim] skipping the libzstd cross-checks: ${reason}`);
      test('the zstd command is available', (context) => context.skip(reason));
    }
    return;
  }

  test.each(SAMPLES)('$name: our frame decodes with libzstd to the input', ({ input }) => {
    expect(hexOf(runZstd(['-d', '-c', '-q'], zstdCompress(input)))).toBe(hexOf(input));
  });

  test.each(SAMPLES.filter((sample) => sample.input.length <= 4096))('$name: libzstd\'s level-3 frame with its content size decodes with ours', ({ input }) => {
    // --stream-size makes zstd write the content size for stdin, as ZSTD_compressCCtx always does.
    const frame = runZstd(['-3', '--no-check', '-c', '-q', `--stream-size=${input.length}`], input);
    expect(hexOf(zstdDecompress(frame, 4096))).toBe(hexOf(input));
  });
});
