// Waiting in tests of real sockets and processes: poll every 10 ms until something holds, with a deadline.

/** Resolves true once `predicate` holds, false after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Resolves with what `read` gives once it is not undefined; rejects after `timeoutMs`. */
export async function waitFor<T>(read: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  let value: T | undefined;
  if (await eventually(() => (value = read()) !== undefined, timeoutMs)) return value!;
  throw new Error('gave up waiting');
}
