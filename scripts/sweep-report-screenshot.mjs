// Takes the screenshot of a sweep's HTML report shown in docs/sweeps.md (docs/sweep-report.png):
//   node dist/cli/main.js sweep sweeps/throttle-configure.yaml --html /tmp/sweep.html --quiet
//   node scripts/sweep-report-screenshot.mjs /tmp/sweep.html docs/sweep-report.png
// Needs Debian's chromium (/usr/bin/chromium) and playwright-core (a dev dependency).
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';

const [html, png] = process.argv.slice(2);
if (html === undefined || png === undefined) {
  console.error('usage: node scripts/sweep-report-screenshot.mjs REPORT.html OUT.png');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`file://${resolve(html)}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  await page.screenshot({ path: png, fullPage: true });
} finally {
  await browser.close();
}
