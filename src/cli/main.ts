#!/usr/bin/env node
// The only file that touches `process`: it builds the real IO, runs the CLI and sets the exit code.
import { runCli } from './cli.js';
import { nodeFileIo } from './node-io.js';

function colorWanted(): boolean {
  const force = process.env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  return process.stdout.isTTY === true;
}

// A reader that stops reading (`enetsim run x.yaml --explain | head`) is not an error of ours: end
// quietly, with the status a program killed by SIGPIPE has, as C tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  });
}

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    ...nodeFileIo,
    color: colorWanted(),
    wallClockMs: () => performance.now(),
    env: process.env,
    stderrIsTerminal: process.stderr.isTTY === true,
    interruptSignal: (stillDoing = 'still telling peers we leave (at most 1 s)') => {
      // The handlers stay for the rest of the run: a second Ctrl-C or SIGTERM while serve or
      // connect disconnects its peers must not kill the process (Node's default) before the peers
      // are told. The shutdown is bounded (1 s, then disconnect_now), so waiting for it is short.
      const controller = new AbortController();
      const interrupt = (name: string): void => {
        if (!controller.signal.aborted) controller.abort();
        else process.stderr.write(`enetsim: ${name} again: ${stillDoing}\n`);
      };
      process.on('SIGINT', () => interrupt('SIGINT'));
      process.on('SIGTERM', () => interrupt('SIGTERM'));
      return controller.signal;
    },
  });
} catch (error) {
  // A bug, not bad input: say so plainly and ask for a report, without a stack trace by default.
  process.stderr.write(`enetsim: internal error: ${(error as Error).message}\nPlease report it with the command you ran (ENETSIM_DEBUG=1 shows the stack).\n`);
  if (process.env['ENETSIM_DEBUG'] === '1') process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 3;
}
