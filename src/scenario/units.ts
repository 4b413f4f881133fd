// Values with units, as users write them in scenarios: durations (250ms, 1.5s, 2min), sizes (600B,
// 32KiB, 1MB), bit rates (256kbit/s, 10Mbit/s, 1MB/s), percentages (2%), frequencies (60Hz) and
// packet rates (60/s). A bare number where a unit is needed is refused with the fix spelled out.

export type UnitKind = 'duration' | 'size' | 'bitrate' | 'percent' | 'frequency' | 'packetRate';

export type UnitResult = { ok: true; value: number } | { ok: false; message: string };

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;

/** Multipliers of each kind's suffixes into its base unit (ms, bytes, bit/s, percent, Hz, 1/s). */
const SUFFIXES: Record<UnitKind, Record<string, number>> = {
  duration: { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000 },
  size: { B: 1, KB: 1000, MB: 1_000_000, GB: 1_000_000_000, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 },
  bitrate: {
    'bit/s': 1,
    'kbit/s': 1000,
    'Mbit/s': 1_000_000,
    'Gbit/s': 1_000_000_000,
    'B/s': 8,
    'KB/s': 8000,
    'MB/s': 8_000_000,
    'KiB/s': 8 * 1024,
    'MiB/s': 8 * 1024 ** 2,
    bps: 1,
    kbps: 1000,
    Mbps: 1_000_000,
    Gbps: 1_000_000_000,
  },
  percent: { '%': 1 },
  frequency: { Hz: 1 },
  packetRate: { '/s': 1, '/min': 1 / 60 },
};

/** The unit a bare number most likely meant, for the error message. */
const EXAMPLE_SUFFIX: Record<UnitKind, string> = {
  duration: 'ms',
  size: 'B',
  bitrate: 'kbit/s',
  percent: '%',
  frequency: 'Hz',
  packetRate: '/s',
};

export const UNIT_DESCRIPTIONS: Record<UnitKind, string> = {
  duration: 'a duration: 250ms, 1.5s, 2min (us, ms, s, min, h)',
  size: 'a size: 600B, 32KiB, 1MB (B, KB, MB, GB, KiB, MiB, GiB)',
  bitrate: 'a bit rate: 256kbit/s, 10Mbit/s, 1MB/s (bit/s, kbit/s, Mbit/s, Gbit/s, B/s, KB/s, MB/s, KiB/s, MiB/s)',
  percent: 'a percentage: 2%, 0.5%',
  frequency: 'a frequency: 60Hz',
  packetRate: 'a packet rate: 60/s, 600/min',
};

/** A regular expression for editors (JSON Schema `pattern`) matching every accepted spelling. */
export function unitPattern(kind: UnitKind): string {
  const suffixes = Object.keys(SUFFIXES[kind])
    .sort((a, b) => b.length - a.length)
    .map((suffix) => suffix.replace(/[/%]/g, (character) => `\\${character}`));
  return `^${NUMBER} ?(${suffixes.join('|')})$`;
}

/** Parses `raw` as a value of `kind` in its base unit (ms, bytes, bit/s, percent, Hz, per second). */
export function parseUnit(kind: UnitKind, raw: unknown): UnitResult {
  if (typeof raw === 'number') {
    return { ok: false, message: `${raw} needs a unit: write "${raw}${EXAMPLE_SUFFIX[kind]}" (${UNIT_DESCRIPTIONS[kind]})` };
  }
  if (typeof raw !== 'string') return { ok: false, message: `expected ${UNIT_DESCRIPTIONS[kind]}` };
  if (/^\s*-/.test(raw)) return { ok: false, message: `"${raw}": a ${kind === 'packetRate' ? 'packet rate' : kind} cannot be negative` };
  const match = new RegExp(`^${NUMBER} ?([A-Za-z/%]+)$`).exec(raw.trim());
  if (match === null) return { ok: false, message: `"${raw}" is not ${UNIT_DESCRIPTIONS[kind]}` };
  const [, number, suffix] = match as unknown as [string, string, string];
  const factor = SUFFIXES[kind][suffix];
  if (factor === undefined) {
    const other = (Object.keys(SUFFIXES) as UnitKind[]).find((candidate) => SUFFIXES[candidate][suffix] !== undefined);
    const guess = closestSuffix(kind, suffix);
    if (guess !== null) return { ok: false, message: `"${raw}": did you mean "${number}${guess}"? (units are case-sensitive)` };
    const hint = other !== undefined ? ` ("${suffix}" is a unit of ${other}, not of ${kind})` : '';
    return { ok: false, message: `"${raw}" is not ${UNIT_DESCRIPTIONS[kind]}${hint}` };
  }
  if (kind === 'percent' && Number(number) > 100) return { ok: false, message: `"${raw}" is more than 100%` };
  const value = Number(number) * factor;
  // A number of hundreds of digits parses as Infinity, which would pass every "at most" check.
  const shown = raw.length > 40 ? `${raw.slice(0, 20)}…${raw.slice(-10)}` : raw;
  if (!Number.isFinite(value)) return { ok: false, message: `"${shown}" is too large to be a number` };
  // And one with hundreds of zeros after the point parses as 0, which often means "none" or "unlimited".
  if (value === 0 && /[1-9]/.test(number)) return { ok: false, message: `"${shown}" is too small to be a number (it would count as 0)` };
  return { ok: true, value };
}

function closestSuffix(kind: UnitKind, suffix: string): string | null {
  const lower = suffix.toLowerCase();
  for (const candidate of Object.keys(SUFFIXES[kind])) if (candidate.toLowerCase() === lower) return candidate;
  return null;
}

/** Formats ms for messages: 250ms, 1.5s, 2min. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && Math.abs(ms) < 1) return `${Math.round(ms * 1000)}us`;
  if (Math.abs(ms) < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  if (Math.abs(ms) < 120_000) return `${Math.round(ms) / 1000}s`;
  return `${Math.round(ms / 600) / 100}min`;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(previous[j]! + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The closest candidate within a third of the word's length (at least 1 edit, at most 3), or null. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.min(3, Math.max(1, Math.ceil(word.length / 3)));
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= bestDistance && (best === null || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
