// Expands the files and globs given on the command line (`scenarios/**/*.yaml`), in sorted order.
import type { CliIo } from '../io.js';

export type Expansion = { ok: true; files: string[] } | { ok: false; message: string };

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

export function expandFiles(patterns: readonly string[], io: CliIo): Expansion {
  const files: string[] = [];
  for (const pattern of patterns) {
    if (!/[*?]/.test(pattern)) {
      if (io.isDirectory(pattern)) {
        const found = io.listFiles(pattern).filter((file) => /\.ya?ml$/.test(file)).map((file) => `${pattern.replace(/\/$/, '')}/${file}`);
        if (found.length === 0) return { ok: false, message: `${pattern}: no .yaml files in this directory` };
        files.push(...found.sort());
      } else {
        files.push(pattern);
      }
      continue;
    }
    const firstWildcard = pattern.search(/[*?]/);
    const base = pattern.slice(0, pattern.lastIndexOf('/', firstWildcard) + 1) || './';
    const matcher = globToRegExp(pattern.startsWith('./') ? pattern.slice(2) : pattern);
    const baseDirectory = base === './' ? '.' : base.replace(/\/$/, '');
    if (!io.isDirectory(baseDirectory)) return { ok: false, message: `${pattern}: directory ${baseDirectory} does not exist` };
    const matches = io
      .listFiles(baseDirectory)
      .map((file) => (base === './' ? file : `${baseDirectory}/${file}`))
      .filter((file) => matcher.test(file))
      .sort();
    if (matches.length === 0) return { ok: false, message: `${pattern}: no file matches` };
    files.push(...matches);
  }
  return { ok: true, files: [...new Set(files)] };
}
