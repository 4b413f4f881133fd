// Output files of the commands (--out, --trace, --pcap, --html): opened before anything runs, written
// with failures that name the flag, the path and the reason in words.
import type { CliIo, OutputFile } from './io.js';

/** An output file opened before the run, with the flag that named it (for messages). */
export interface Output<Flag extends string = string> {
  flag: Flag;
  path: string;
  file: OutputFile;
}

export type Opened<Flag extends string = string> = { ok: true; output: Output<Flag> } | { ok: false; message: string };

/** A write error in words ("its directory does not exist"), for messages that name the flag and path. */
export function describeWriteError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const words: Record<string, string> = {
    ENOENT: 'its directory does not exist',
    EISDIR: 'is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EIO: 'input/output error',
  };
  return (code !== undefined ? words[code] : undefined) ?? `cannot write (${code ?? (error as Error).message})`;
}

/** Opens an output before anything runs, so a missing directory or a directory costs nothing. */
export function openOutput<Flag extends string>(flag: Flag, path: string, io: CliIo): Opened<Flag> {
  if (path === '') return { ok: false, message: `${flag} needs a file name` };
  if (io.statPath(path).kind === 'directory') return { ok: false, message: `${flag} ${path}: is a directory; give a file name` };
  try {
    return { ok: true, output: { flag, path, file: io.openOutput(path) } };
  } catch (error) {
    return { ok: false, message: `${flag} ${path}: ${describeWriteError(error)}` };
  }
}

/** A write to an output failed (a full disk): the message names the flag, the path and the reason. */
export class OutputFailed extends Error {
  constructor(
    readonly output: Output,
    reason: string,
  ) {
    super(`${output.flag} ${output.path}: ${reason}`);
  }
}

/** Writes to an output; a failure throws OutputFailed. */
export function writeOutput(output: Output, text: string | Uint8Array): void {
  try {
    output.file.write(text);
  } catch (error) {
    throw new OutputFailed(output, describeWriteError(error));
  }
}
