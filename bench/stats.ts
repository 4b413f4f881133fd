// Summaries of repeated measurements: the median, the range, and how noisy they were.

/** A figure over the repeats. `spread` is (max − min) / median: 0.1 means the runs varied by 10 %. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  spread: number;
  values: number[];
}

export function stat(values: readonly number[]): Stat {
  if (values.length === 0) throw new Error('stat: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return { median, min, max, spread: median !== 0 ? (max - min) / Math.abs(median) : 0, values: [...values] };
}

/** `stat` of `pick` over the items, or null when there are none. */
export function statOf<T>(items: readonly T[], pick: (item: T) => number): Stat | null {
  return items.length === 0 ? null : stat(items.map(pick));
}
