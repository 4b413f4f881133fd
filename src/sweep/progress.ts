// A one-line progress bar on stderr (runs done/total, ETA), redrawn at most every 100 ms of wall time.

/** Draws `[#####.....] 12/40 runs, ETA 3s`; `write` gets the text, `nowMs` the wall clock. */
export function progressBar(total: number, write: (text: string) => void, nowMs: () => number): { update: (done: number) => void; finish: () => void } {
  const startedMs = nowMs();
  let drawnMs = -Infinity;
  const width = 30;
  const draw = (done: number): void => {
    const filled = Math.round((done / total) * width);
    const elapsedMs = nowMs() - startedMs;
    const eta = done === 0 ? '?' : `${Math.ceil(((total - done) * elapsedMs) / done / 1000)}s`;
    write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ETA ${eta}  `);
  };
  return {
    update: (done) => {
      if (done < total && nowMs() - drawnMs < 100) return;
      drawnMs = nowMs();
      draw(done);
    },
    finish: () => write(`\r${' '.repeat(width + 40)}\r`),
  };
}
