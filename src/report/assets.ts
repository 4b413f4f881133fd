// The browser side of the HTML reports, prebuilt by scripts/bundle-report.mjs into dist/report/assets
// (page scripts with uPlot bundled in, and uPlot's stylesheet); read here to be inlined in a report.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type AssetName = 'run-page.js' | 'sweep-page.js' | 'uplot.css';

const cache = new Map<AssetName, string>();

/** The directory holding the built assets: beside this module in dist, or dist's from src (tests). */
function assetsDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'assets'), join(here, '..', '..', 'dist', 'report', 'assets')];
  for (const candidate of candidates) if (existsSync(join(candidate, 'uplot.css'))) return candidate;
  throw new Error(`the HTML report's browser assets are not built (looked in ${candidates.join(' and ')}): run \`npm run build\``);
}

/** The text of one built asset. */
export function readAsset(name: AssetName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(assetsDirectory(), name), 'utf8');
    cache.set(name, text);
  }
  return text;
}
