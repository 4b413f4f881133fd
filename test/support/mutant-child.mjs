// Runs mutated copies of dist/ against an oracle until the comparison catches each mutation, in a
// child process so that the mutants' modules never mix with the test's. Each mutant is a separate
// directory, so its modules are separate instances even in this one process. Plain JavaScript: it
// runs under node, not vitest.
//
//   node mutant-child.mjs JOBS_JSON
//
// JOBS_JSON is a file holding [{ name, dist, oracle, profile, seeds?, scenario? }]:
//   dist      the mutated copy of dist/
//   oracle    'ts:DIST' (the unmutated TypeScript core of DIST, same profile) or 'libenet:DRIVER'
//   profile   the TypeScript profile the mutant runs as ('1.3.17' or '1.3.18')
//   seeds     try generated conformance seeds 1..seeds, or
//   scenario  run this scenario file (its own seed) on both sides, as `enetsim diff` does
//
// Prints one JSON line per job: { name, caughtAt, tried, how }; caughtAt is the seed or the
// scenario that diverged, null when none did.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const load = (dist, module) => import(pathToFileURL(path.join(dist, module)).href);
const drivers = new Map();

async function oracleFactory(job) {
  if (job.oracle.startsWith('ts:')) {
    const { createTsHost } = await load(job.oracle.slice(3), 'sim/ts-host.js');
    return (config) => createTsHost(config, job.profile);
  }
  const driverPath = job.oracle.slice('libenet:'.length);
  if (!drivers.has(driverPath)) {
    const { LibenetDriver } = await load(job.dist, 'native/libenet.js');
    drivers.set(driverPath, new LibenetDriver(driverPath));
  }
  const driver = drivers.get(driverPath);
  return (config) => driver.createHost(config);
}

async function runScenario(job, factory) {
  const { loadScenario } = await load(job.dist, 'scenario/load.js');
  const { compileScenario } = await load(job.dist, 'scenario/compile.js');
  const { createTsHost } = await load(job.dist, 'sim/ts-host.js');
  const { firstDivergence, endStateDifferences } = await load(job.dist, 'cli/commands/diff.js');
  const loaded = loadScenario(job.scenario, fs.readFileSync(job.scenario, 'utf8'));
  if (!loaded.ok) throw new Error(`${job.scenario}: ${JSON.stringify(loaded.problems)}`);
  const scenario = loaded.scenario;
  const ours = compileScenario(scenario, { seed: scenario.seed, implementation: (config) => createTsHost(config, job.profile) }).sim;
  ours.run(scenario.durationMs);
  const theirs = compileScenario(scenario, { seed: scenario.seed, implementation: factory }).sim;
  theirs.run(scenario.durationMs);
  const divergence = firstDivergence(ours.trace.events, theirs.trace.events);
  const fields = endStateDifferences(ours, theirs).differences;
  theirs.destroy();
  ours.destroy();
  if (divergence !== null) return 'trace';
  return fields.length > 0 ? `end state: ${fields[0].field}` : null;
}

for (const job of jobs) {
  const factory = await oracleFactory(job);
  let caughtAt = null;
  let how = null;
  let tried = 0;
  try {
    if (job.scenario !== undefined) {
      tried = 1;
      how = await runScenario(job, factory);
      if (how !== null) caughtAt = job.scenario;
    } else {
      const { runConformanceSeed } = await load(job.dist, 'cli/commands/conformance.js');
      for (let seed = 1; seed <= job.seeds && caughtAt === null; seed++) {
        tried++;
        const outcome = runConformanceSeed(seed, factory, job.profile);
        if (!outcome.identical) {
          caughtAt = seed;
          how = outcome.divergence !== null ? 'trace' : `end state: ${outcome.fieldDifferences[0].field}`;
        }
      }
    }
  } catch (error) {
    // A mutant that throws is caught too: the comparison cannot even finish.
    caughtAt = caughtAt ?? 'exception';
    how = `threw: ${error.message}`;
  }
  process.stdout.write(`${JSON.stringify({ name: job.name, caughtAt, tried, how })}\n`);
}
for (const driver of drivers.values()) driver.close();
