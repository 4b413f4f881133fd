// Expands the files and globs given on the command line (`scenarios/**/*.yaml`), in sorted order,
// with a bounded directory walk: a glob over `/usr` or a directory with a symbolic-link loop ends
// with a message instead of growing without bound.
import { posix } from 'node:path';
import type { CliIo } from '../io.js';

export type Expansion = { ok: true; files: string[] } | { ok: false; message: string };

/** Directory entries one expansion may look at, over all its directories (`/usr/**` stops here). */
export const WALK_ENTRIES_MAX = 20_000;
/** Directory levels below a pattern's base that a walk descends (`**` included). */
export const WALK_DEPTH_MAX = 16;
/** Scenario files one command line may name, after expansion. */
export const SCENARIO_FILES_MAX = 1_000;
/** The largest scenario file read, checked before reading (a scenario is a page of YAML, not a data set). */
export const SCENARIO_FILE_BYTES_MAX = 1024 * 1024;

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '*' && pattern[index + 1] === '*') {
      source += pattern[index + 2] === '/' ? '(?:.*/)?' : '.*';
      index += pattern[index + 2] === '/' ? 2 : 1;
    } else if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else source += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

type Walk = { ok: true; files: string[] } | { ok: false; message: string };

/**
 * The non-directories under `directory` (paths relative to it, '/'-separated), at most `depthMax`
 * levels down. Links to directories are not followed, so a link loop cannot make the walk endless;
 * other links, FIFOs and devices are listed (reading refuses what is not a regular file). Stops with
 * a message past {@link WALK_ENTRIES_MAX} entries.
 */
function walk(directory: string, depthMax: number, io: CliIo): Walk {
  const files: string[] = [];
  const pending: { relative: string; depth: number }[] = [{ relative: '', depth: 0 }];
  let entriesCount = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const absolute = next.relative === '' ? directory : `${directory}/${next.relative}`;
    let entries;
    try {
      entries = io.readDirectory(absolute);
    } catch (error) {
      return { ok: false, message: `${absolute}: cannot list this directory (${(error as { code?: string }).code ?? (error as Error).message})` };
    }
    entriesCount += entries.length;
    if (entriesCount > WALK_ENTRIES_MAX) {
      return { ok: false, message: `${directory}: more than ${WALK_ENTRIES_MAX} directory entries to look through; name the scenario files or a smaller directory` };
    }
    for (const entry of entries) {
      const relative = next.relative === '' ? entry.name : `${next.relative}/${entry.name}`;
      if (entry.kind === 'directory') {
        if (next.depth < depthMax) pending.push({ relative, depth: next.depth + 1 });
        continue;
      }
      // Links to directories are not followed. Everything else is listed, FIFOs and devices too, so
      // that one a pattern names is refused with its path rather than skipped without a word.
      if (entry.kind !== 'symlink' || io.statPath(`${directory}/${relative}`).kind !== 'directory') files.push(relative);
    }
  }
  return { ok: true, files };
}

/** Levels a pattern can reach below its base: unbounded (up to the walk's bound) with `**`. */
function depthOf(rest: string): number {
  return rest.includes('**') ? WALK_DEPTH_MAX : (rest.match(/\//g) ?? []).length;
}

function expandDirectory(directory: string, io: CliIo): Expansion {
  const base = directory.replace(/\/$/, '') || '/';
  const walked = walk(base, WALK_DEPTH_MAX, io);
  if (!walked.ok) return walked;
  const found = walked.files.filter((file) => /\.ya?ml$/.test(file)).map((file) => `${base === '/' ? '' : base}/${file}`);
  if (found.length === 0) return { ok: false, message: `${directory}: no .yaml files in this directory` };
  return { ok: true, files: found.sort() };
}

function expandGlob(pattern: string, io: CliIo): Expansion {
  const firstWildcard = pattern.search(/[*?]/);
  const base = pattern.slice(0, pattern.lastIndexOf('/', firstWildcard) + 1) || './';
  const matcher = globToRegExp(base === './' && pattern.startsWith('./') ? pattern.slice(2) : pattern);
  const baseDirectory = base === './' ? '.' : base === '/' ? '/' : base.replace(/\/$/, '');
  if (io.statPath(baseDirectory).kind !== 'directory') return { ok: false, message: `${pattern}: directory ${baseDirectory} does not exist` };
  const walked = walk(baseDirectory, depthOf(pattern.startsWith(base) ? pattern.slice(base.length) : pattern), io);
  if (!walked.ok) return walked;
  const prefix = base === './' ? '' : base;
  const matches = walked.files
    .map((file) => `${prefix}${file}`)
    .filter((file) => matcher.test(file))
    .sort();
  if (matches.length === 0) return { ok: false, message: `${pattern}: no file matches` };
  return { ok: true, files: matches };
}

export function expandFiles(patterns: readonly string[], io: CliIo): Expansion {
  const files: string[] = [];
  for (const pattern of patterns) {
    const expanded = /[*?]/.test(pattern) ? expandGlob(pattern, io) : io.statPath(pattern).kind === 'directory' ? expandDirectory(pattern, io) : { ok: true as const, files: [pattern] };
    if (!expanded.ok) return expanded;
    files.push(...expanded.files);
    if (files.length > SCENARIO_FILES_MAX) {
      return { ok: false, message: `${pattern}: more than ${SCENARIO_FILES_MAX} scenario files on one command line; run them in several commands` };
    }
  }
  return { ok: true, files: [...new Set(files)] };
}

/** A file a command reads, which none of its outputs may overwrite: what it is ("the scenario file") and its path. */
export interface InputFile {
  what: string;
  path: string;
}

/**
 * The input that writing `output` would destroy, or null: the same path, or another spelling of the
 * same file (./x.yaml, an absolute path, a link to it).
 */
export function overwrittenInput(output: string, inputs: readonly InputFile[], io: CliIo): InputFile | null {
  return inputs.find((input) => sameFile(output, input.path, io)) ?? null;
}

/**
 * Whether two paths name one file: the same path once resolved against the working directory (so
 * `x` and `../dir/x` match before either exists), or one existing file (same device and inode).
 */
export function sameFile(left: string, right: string, io: CliIo): boolean {
  if (posix.resolve(left) === posix.resolve(right)) return true;
  const leftId = io.statPath(left).fileId;
  return leftId !== undefined && io.statPath(right).fileId === leftId;
}

/** The refusal of an output that names an input, with the flag: "--html x.yaml is the scenario file x.yaml; give another file". */
export function overwriteMessage(flag: string, output: string, input: InputFile): string {
  return `${flag} ${output} is ${input.what} ${input.path}; give another file`;
}
