// Builds the browser side of the HTML reports: each page script in src/report/browser is bundled
// with uPlot into one minified file, and uPlot's stylesheet is copied beside it, into
// dist/report/assets. The reports inline these files, so a report opens offline.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'report', 'assets');
mkdirSync(outDir, { recursive: true });

const pages = ['run-page', 'sweep-page'];
await build({
  entryPoints: pages.map((page) => join(root, 'src', 'report', 'browser', `${page}.ts`)),
  outdir: outDir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
});
copyFileSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), join(outDir, 'uplot.css'));
