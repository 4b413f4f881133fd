// fast-check parameters shared by the property files: a fixed seed so a run is reproducible, which
// FC_SEED overrides (FC_SEED=1234 npx vitest run test/enet). A failure report prints the seed and the
// counterexample path; rerun with the same FC_SEED to get it back. FUZZ_SCALE=10 multiplies every
// numRuns for a longer soak (the default keeps each file under a minute on 2 cores).

/** The seed every property uses unless FC_SEED is set. */
export const DEFAULT_FC_SEED = 0x5eed_e7e7;

export function fuzzSeed(): number {
  const fromEnv = process.env['FC_SEED'];
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_FC_SEED;
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(fromEnv)}`);
  return seed | 0;
}

export function fuzzScale(): number {
  const fromEnv = process.env['FUZZ_SCALE'];
  if (fromEnv === undefined || fromEnv === '') return 1;
  const scale = Number(fromEnv);
  if (!(scale > 0)) throw new Error(`FUZZ_SCALE must be a positive number, got ${JSON.stringify(fromEnv)}`);
  return scale;
}

/** Parameters for fc.assert: explicit numRuns (× FUZZ_SCALE), the seed, and a per-property offset so properties differ. */
export function fuzzParameters(numRuns: number, offset: number): { numRuns: number; seed: number } {
  return { numRuns: Math.max(1, Math.round(numRuns * fuzzScale())), seed: (fuzzSeed() + offset) | 0 };
}

/** A test timeout that grows with FUZZ_SCALE (vitest's default here is 60 s per test). */
export function fuzzTimeoutMs(baseMs = 60_000): number {
  return Math.round(baseMs * Math.max(1, fuzzScale()));
}
