// Bundles the command line into dist/bundle for a fast start (the `bin` entry runs it): one ESM
// entry (enetsim.js) whose commands stay separate chunks, loaded when the command runs, so
// `enetsim --version` compiles a fraction of the code. The worker threads of sweep and conformance
// are entries of their own, beside the chunks, where the code that starts them looks
// (new URL('./worker.js', import.meta.url)). dist/bundle sits as deep as dist/<dir>, so code that
// finds the project from its own file (native/, dist/report/assets) finds it from a chunk too.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'bundle');
rmSync(outDir, { recursive: true, force: true });

await build({
  entryPoints: {
    enetsim: join(root, 'src', 'cli', 'main.ts'),
    worker: join(root, 'src', 'sweep', 'worker.ts'),
    'conformance-worker': join(root, 'src', 'cli', 'commands', 'conformance-worker.ts'),
  },
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: identifiers keep their names, so messages and stacks read the same.
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunk-[hash]',
  // The CommonJS packages bundled in (cli-table3) call require; an ES module has none of its own.
  banner: { js: "import { createRequire as enetsimCreateRequire } from 'node:module'; const require = enetsimCreateRequire(import.meta.url);" },
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
});
