// The protocol core stays sans-IO (docs STYLE: src/enet never touches node: modules), so it runs in
// a browser too and its bytes do not depend on the Node release: every module src/enet imports is
// one of its own files or a pure-JavaScript package listed here.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ENET_DIR = fileURLToPath(new URL('../../src/enet', import.meta.url));
/** Packages the core may use: deflate (fflate) and the zstd decoder (fzstd), both pure JavaScript. */
const ALLOWED_PACKAGES = ['fflate', 'fzstd'];

/** Every module specifier in `source`: static imports and re-exports, side-effect imports, import() and require(). */
function moduleSpecifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

const isNodeBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!);

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('src/enet stays sans-IO', () => {
  test('the import scanner finds every form of import, and tells Node builtins from packages', () => {
    const sample = [
      "import { deflateSync } from 'node:zlib';",
      'import type {\n  Compressor,\n} from "./host.js";',
      "export { ZlibCompressor } from './compress-zlib.js';",
      "import 'fs';",
      "const zlib = await import('zlib');",
      "const crypto = require('node:crypto');",
    ].join('\n');
    expect(moduleSpecifiers(sample)).toEqual(['node:zlib', './host.js', './compress-zlib.js', 'fs', 'zlib', 'node:crypto']);
    expect(['node:zlib', 'fs', 'zlib', 'fs/promises', 'fflate', './host.js'].map(isNodeBuiltin)).toEqual([true, true, true, true, false, false]);
  });

  test('no file in src/enet imports a node: module, a Node builtin or a file outside src/enet; the only packages are fflate and fzstd', () => {
    const files = typeScriptFiles(ENET_DIR);
    expect(files.length).toBeGreaterThan(10);
    const outside: string[] = [];
    let relativeCount = 0;
    for (const file of files) {
      for (const specifier of moduleSpecifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          // A relative import must stay inside src/enet: anything outside could bring Node in with it.
          if (resolve(dirname(file), specifier).startsWith(ENET_DIR + sep)) relativeCount++;
          else outside.push(`${file.slice(ENET_DIR.length + 1)}: ${specifier}`);
        } else if (isNodeBuiltin(specifier) || !ALLOWED_PACKAGES.includes(specifier)) outside.push(`${file.slice(ENET_DIR.length + 1)}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
    expect(relativeCount).toBeGreaterThan(20);
  });
});
