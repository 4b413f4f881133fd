import yargs from 'yargs';
import { VERSION } from '../version.js';

/** Where the CLI writes; injected so tests run it in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes: 0 success, 1 an assertion failed, 2 invalid input (usage or scenario). */
export const ExitCode = { ok: 0, assertionFailed: 1, invalidInput: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Runs the enetsim command line with `argv` (without the node and script paths) and returns the exit
 * code. Until the scenario runner exists, only `--help` and `--version` are answered; any command is
 * refused with exit code 2 rather than pretending to run.
 */
const NO_COMMANDS_YET =
  'enetsim has no commands yet: the scenario runner (`enetsim run`) is not built. Try --help.';

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const parser = yargs([...argv])
    .scriptName('enetsim')
    .usage('enetsim: a deterministic network-conditions simulator and test harness for ENet\n\nUsage: $0 <command> [options]')
    .version(VERSION)
    .help()
    .strict()
    .demandCommand(1, NO_COMMANDS_YET)
    .check((args) => {
      if (args._.length > 0) throw new Error(`unknown command '${String(args._[0])}': ${NO_COMMANDS_YET}`);
      return true;
    })
    .exitProcess(false)
    .fail((message, error) => {
      exitCode = ExitCode.invalidInput;
      io.stderr(`enetsim: ${message ?? error?.message ?? 'invalid arguments'}\n`);
    });
  const output = await new Promise<string>((resolve) => {
    void parser.parse([...argv], {}, (_error, _argv, text) => resolve(text));
  });
  if (output) (exitCode === ExitCode.ok ? io.stdout : io.stderr)(`${output}\n`);
  return exitCode;
}
