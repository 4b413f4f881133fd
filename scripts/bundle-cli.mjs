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
 * string-width (three copies under yargs, for the help text's layout) does costly work as it loads:
 * it makes an Intl.Segmenter (the first one loads ICU's break rules) and, in its newest version, the
 * /^\p{RGI_Emoji}$/v pattern (every emoji sequence expanded): some 40 ms at every start, for text
 * only --help lays out. In the bundle each is made on first use. A string-width that makes its
 * segmenter differently is left as it is, with a warning.
 */
const LAZY_LINES = [
  ['const segmenter = new Intl.Segmenter();', 'let madeSegmenter; const segmenter = { segment: (text) => (madeSegmenter ??= new Intl.Segmenter()).segment(text) };'],
  ['const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', 'let madeRgiEmojiRegex; const rgiEmojiRegex = { test: (text) => (madeRgiEmojiRegex ??= /^\\p{RGI_Emoji}$/v).test(text) };'],
];
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (!text.includes('Intl.Segmenter')) return undefined;
      const warnings = text.includes(LAZY_LINES[0][0]) ? [] : [{ text: `${args.path}: no '${LAZY_LINES[0][0]}' to defer` }];
      for (const [line, lazy] of LAZY_LINES) text = text.replace(line, lazy);
      return { contents: text, loader: 'js', warnings };
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
  plugins: [zodEnglishOnly, lazyStringWidth],
});
