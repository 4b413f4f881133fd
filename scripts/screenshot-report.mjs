// Regenerates docs/report.png, the README's picture of a run's HTML report: runs a shipped scenario
// with `enetsim run --html`, opens the report in Debian's chromium (playwright-core) and saves the
// top of the page. Needs `npm run build` first (the npm script `screenshot` does both).
//   node scripts/screenshot-report.mjs [--scenario FILE] [--from REPORT.html] [--out FILE.png]
// --from screenshots an existing report instead of running the scenario.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/throttle-under-congestion.yaml' },
    from: { type: 'string' },
    out: { type: 'string', default: join(root, 'docs', 'report.png') },
  },
});
const chromiumPath = process.env.ENETSIM_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.error(`screenshot-report: chromium not found at ${chromiumPath} (apt-get install chromium, or set ENETSIM_CHROMIUM)`);
  process.exit(2);
}

/** The screenshot's size, CSS px: a laptop-wide page, tall enough for the header (its expectations folded), the timeline, the peer states, and the RTT and throttle panels. */
const VIEWPORT = { width: 1400, height: 1100 };

/** A problem a person can act on: printed without a stack trace, exit code 2 (the scratch folder is still removed). */
class ScriptError extends Error {}
function fail(message) {
  throw new ScriptError(message);
}

const scratch = mkdtempSync(join(tmpdir(), 'enetsim-screenshot-'));
try {
  let reportPath = values.from === undefined ? undefined : resolve(values.from);
  if (reportPath === undefined) {
    reportPath = join(scratch, 'report.html');
    const run = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'run', values.scenario, '--quiet', '--html', reportPath], { cwd: root, encoding: 'utf8' });
    // 0: every expectation held; 1: one failed (its report is still worth a picture).
    if (run.status !== 0 && run.status !== 1) {
      fail(`enetsim run ${values.scenario} exited ${run.status}\n${run.stderr}`);
    }
    if (!existsSync(reportPath)) {
      fail(`enetsim run ${values.scenario} wrote no report (does this build have \`run --html\`? else pass --from REPORT.html)\n${run.stderr}`);
    }
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // No network at all, and rendering settings that keep the picture the same from run to run.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none', '--force-color-profile=srgb', '--disable-lcd-text'],
  });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(reportPath).href);
    await page.waitForFunction(() => globalThis.enetsimReport !== undefined);
    // The mouse outside the page: no cursor line, no tooltip.
    await page.mouse.move(0, 0);
    // The picture ends below the throttle panel (the last one it is about), not in the middle of the next.
    const throttle = await page.locator('[data-panel="throttle"]').first().boundingBox();
    const heightPx = throttle === null ? VIEWPORT.height : Math.min(VIEWPORT.height, Math.ceil(throttle.y + throttle.height + 10));
    await page.screenshot({ path: values.out, animations: 'disabled', caret: 'hide', clip: { x: 0, y: 0, width: VIEWPORT.width, height: heightPx } });
    console.log(`wrote ${values.out}`);
  } finally {
    await browser.close();
  }
} catch (error) {
  if (!(error instanceof ScriptError)) throw error;
  console.error(`screenshot-report: ${error.message}`);
  process.exitCode = 2;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
