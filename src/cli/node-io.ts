// The CliIo main.ts gives the CLI: the real file system, synchronous (the CLI does one thing at a
// time), outputs written piece by piece through one file descriptor.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { CliIo, DirectoryEntry, OutputFile, PathKind } from './io.js';

/** Opens `path` for writing; every write goes straight to the descriptor (no buffer to lose). */
export function openOutputFile(path: string): OutputFile {
  const descriptor = openSync(path, 'w');
  let open = true;
  return {
    write: (text) => {
      const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      // writeSync may write fewer bytes than asked (pipes, devices): loop until all are written.
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(descriptor, bytes, offset);
    },
    close: () => {
      if (open) closeSync(descriptor);
      open = false;
    },
  };
}

function entryKind(entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): DirectoryEntry['kind'] {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isDirectory()) return 'directory';
  return entry.isFile() ? 'file' : 'other';
}

export function readDirectoryEntries(directory: string): DirectoryEntry[] {
  return readdirSync(directory, { withFileTypes: true }).map((entry) => ({ name: entry.name, kind: entryKind(entry) }));
}

export function statPathInfo(path: string): { kind: PathKind; sizeBytes: number; fileId?: string } {
  try {
    // bigint: an inode number may pass 2^53 on some file systems.
    const stats = statSync(path, { bigint: true });
    const kind: PathKind = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
    if (!stats.isFile()) return { kind, sizeBytes: 0 };
    return { kind, sizeBytes: Number(stats.size), fileId: `${stats.dev}:${stats.ino}` };
  } catch {
    // A dangling link or a link loop (ELOOP) is no file to read either.
    try {
      lstatSync(path);
      return { kind: 'other', sizeBytes: 0 };
    } catch {
      return { kind: 'missing', sizeBytes: 0 };
    }
  }
}

/** The file-system half of the real CliIo. */
export const nodeFileIo: Pick<CliIo, 'readFile' | 'openOutput' | 'readDirectory' | 'statPath'> = {
  readFile: (path) => readFileSync(path),
  openOutput: openOutputFile,
  readDirectory: readDirectoryEntries,
  statPath: statPathInfo,
};
