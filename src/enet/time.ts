// ENet's wrap-aware millisecond clock arithmetic (include/enet/time.h). All ENet times are uint32.

/** ENET_TIME_OVERFLOW: differences at least this large are read as "the other way round". */
export const TIME_OVERFLOW_MS = 86_400_000;

/** Wraps any integer to uint32. */
export function u32(value: number): number {
  return value >>> 0;
}

/** The low 32 bits of a × b for uint32 operands, as C's unsigned multiplication gives them. */
export function mulU32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/** ENET_TIME_LESS(a, b). */
export function timeLess(a: number, b: number): boolean {
  return ((a - b) >>> 0) >= TIME_OVERFLOW_MS;
}

/** ENET_TIME_GREATER(a, b). */
export function timeGreater(a: number, b: number): boolean {
  return ((b - a) >>> 0) >= TIME_OVERFLOW_MS;
}

/** ENET_TIME_LESS_EQUAL(a, b). */
export function timeLessEqual(a: number, b: number): boolean {
  return !timeGreater(a, b);
}

/** ENET_TIME_GREATER_EQUAL(a, b). */
export function timeGreaterEqual(a: number, b: number): boolean {
  return !timeLess(a, b);
}

/** ENET_TIME_DIFFERENCE(a, b): the unsigned distance between two instants, in ms. */
export function timeDifferenceMs(a: number, b: number): number {
  const forwardMs = (a - b) >>> 0;
  return forwardMs >= TIME_OVERFLOW_MS ? (b - a) >>> 0 : forwardMs;
}
