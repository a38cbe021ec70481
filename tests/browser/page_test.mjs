// The web page in a real browser: Debian's Chromium driven by playwright-core.
// Starts the serve program with the built-in gallery, then, as a person would:
// opens the page, uploads a photo, picks a style, moves the alpha and texture sliders with
// the keyboard, stylises, and checks the result is shown at the right size
// with its SSIM; then a bad upload's error, keyboard reachability, and the
// layout at phone width. Screenshots go where --shots says.
//
//   node tests/browser/page_test.mjs --serve build/examples/serve --photo chelsea.png --shots docs/images
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
for (const required of ['serve', 'photo', 'shots']) {
  if (!args[required]) throw new Error(`page_test: --${required} is required`);
}

let failures = 0;
function check(condition, what) {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${what}`);
  if (!condition) failures += 1;
}

// ---- the server -------------------------------------------------------------------------
const server = spawn(args.serve, ['--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('serve did not start in 30 s')), 30000);
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
});
console.log(`serve at ${url}`);

// ---- the browser ------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  // The text fields of every form the page sends (playwright does not show a body that holds files).
  await page.addInitScript(() => {
    const send = window.fetch;
    window.sentFields = [];
    window.fetch = (input, init) => {
      if (init && init.body instanceof FormData)
        window.sentFields.push(Object.fromEntries([...init.body.entries()].filter(([, v]) => typeof v === 'string')));
      return send(input, init);
    };
  });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await page.goto(url);
  await page.waitForSelector('.tile input', { state: 'attached' });
  const tiles = await page.locator('.tile input').count();
  check(tiles >= 5, `the gallery shows the styles and "upload a style" (${tiles} tiles)`);
  const thumbnailsLoaded = await page.$$eval('.tile img', (imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0));
  check(thumbnailsLoaded, 'every thumbnail loaded');

  // A photo, a style, the alpha slider moved with the keyboard, a size.
  await page.setInputFiles('#photo', args.photo);
  await page.waitForSelector('#photo-preview:not([hidden])');
  const styles = await (await fetch(new URL('/api/v1/styles', url))).json();
  const network = styles.find((s) => s.kind === 'network');
  await page.click(`label[for="style-${network.id}"]`);
  check(await page.isChecked(`#style-${network.id}`), `style "${network.name}" chosen by a click`);
  await page.focus('#alpha');
  for (let i = 0; i < 4; i += 1) await page.keyboard.press('ArrowLeft');
  check((await page.textContent('#alpha-value')) === '0.80', 'the alpha slider moves with the arrow keys (0.80)');
  await page.focus('#texture');
  for (let i = 0; i < 10; i += 1) await page.keyboard.press('ArrowLeft');
  check((await page.textContent('#texture-value')) === '0.50', 'the texture slider moves with the arrow keys (0.50)');
  await page.selectOption('#size', '512');

  await page.click('#go');
  await page.waitForFunction(() => window.sentFields.length > 0);
  const sent = (await page.evaluate(() => window.sentFields)).map((f) => f.texture);
  check(sent.includes('0.5'), `the request carries the texture slider (texture ${sent.join(', ')})`);
  await page.waitForSelector('#result:not([hidden])', { timeout: 60000 });
  await page.waitForFunction(() => document.getElementById('result-output').naturalWidth > 0);
  const size = await page.$eval('#result-output', (img) => [img.naturalWidth, img.naturalHeight]);
  const photoSize = await page.$eval('#photo-preview', (img) => [img.naturalWidth, img.naturalHeight]);
  const expectedHeight = Math.round((photoSize[1] * 512) / photoSize[0]);
  check(size[0] === 512 && Math.abs(size[1] - expectedHeight) <= 1,
        `the result is shown at the asked size (${size[0]}x${size[1]}, expected 512x${expectedHeight})`);
  const ssimText = await page.textContent('#result-ssim');
  check(/SSIM to your photo: 0\.\d{3}/.test(ssimText), `the SSIM is shown ("${ssimText}")`);
  check((await page.textContent('#status-text')) === 'Done.', 'the status says Done.');
  const download = await page.getAttribute('#download', 'href');
  check(download && download.startsWith('blob:'), 'the download button holds the result');
  await page.screenshot({ path: join(args.shots, 'service_page.png'), fullPage: true });

  // Keyboard: Tab from the top reaches the photo, a style, the slider and the button.
  await page.goto(url);
  await page.waitForSelector('.tile input', { state: 'attached' });
  const reached = new Set();
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement.id || document.activeElement.name));
  }
  check(['photo', 'style', 'alpha', 'go'].every((id) => reached.has(id)) ||
        ['photo', 'alpha', 'go'].every((id) => reached.has(id)) && [...reached].some((id) => id.startsWith('style-')),
        `the controls are reachable by Tab (${[...reached].filter(Boolean).join(', ')})`);

  // A file that is not a picture: the error is said in plain words.
  const dir = mkdtempSync(join(tmpdir(), 'gf-page-'));
  writeFileSync(join(dir, 'notes.png'), 'just some text, not a picture');
  await page.setInputFiles('#photo', join(dir, 'notes.png'));
  await page.click(`label[for="style-${network.id}"]`);
  await page.click('#go');
  await page.waitForSelector('#error:not([hidden])');
  const error = await page.textContent('#error');
  check(/not a PNG or JPEG/.test(error), `a text file named .png is refused in plain words ("${error}")`);

  // Phone width: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url);
  await page.waitForSelector('.tile input', { state: 'attached' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 390, `nothing overflows at phone width (page ${overflow} px wide)`);
  await page.screenshot({ path: join(args.shots, 'service_phone.png'), fullPage: false });

  check(consoleErrors.filter((e) => !/the server responded with a status of 415/.test(e)).length === 0,
        `no script errors (${consoleErrors.join(' | ') || 'none'})`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
const code = await new Promise((resolve) => server.on('exit', (c) => resolve(c)));
check(code === 0, `serve exits 0 on SIGTERM (${code})`);
console.log(failures === 0 ? 'page test: all passed' : `page test: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
