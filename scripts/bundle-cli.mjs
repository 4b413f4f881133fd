// Bundles the command line into dist/bundle for a fast start (the `bin` entry runs it): one ESM
// entry (enetsim.js) whose commands stay separate chunks, loaded when the command runs, so
// `enetsim --version` compiles a fraction of the code. The worker threads of sweep and conformance
// are entries of their own, beside the chunks, where the code that starts them looks
// (new URL('./worker.js', import.meta.url)). dist/bundle sits as deep as dist/<dir>, so code that
// finds the project from its own file (native/, dist/report/assets) finds it from a chunk too.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * string-width (three copies under yargs, for the help text's layout) makes an Intl.Segmenter as it
 * loads, and the first one loads ICU's break rules: a few tens of ms at every start, for text only
 * --help lays out. In the bundle the segmenter is made on first use. A string-width that no longer
 * makes its segmenter differently is left as it is, with a warning.
 */
const SEGMENTER_LINE = 'const segmenter = new Intl.Segmenter();';
const lazySegmenter = {
  name: 'lazy-segmenter',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('Intl.Segmenter')) return undefined;
      if (!text.includes(SEGMENTER_LINE)) return { contents: text, loader: 'js', warnings: [{ text: `${args.path}: no '${SEGMENTER_LINE}' to defer` }] };
      const lazy = 'let madeSegmenter; const segmenter = { segment: (text) => (madeSegmenter ??= new Intl.Segmenter()).segment(text) };';
      return { contents: text.replace(SEGMENTER_LINE, lazy), loader: 'js' };
    });
  },
};

/**
 * zod re-exports its translations of every message (z.locales, about 300 kB, half of zod) although
 * it speaks English unless told otherwise, and enetsim never tells it. In the bundle, z.locales holds
 * English only, so a run that loads a scenario does not compile the other forty-odd languages.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-english-only' } : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
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
  plugins: [zodEnglishOnly, lazySegmenter],
});
