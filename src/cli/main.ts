#!/usr/bin/env node
// The only file that touches `process`: it hands argv and the streams to runCli and sets the exit code.
import { runCli } from './cli.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = exitCode;
