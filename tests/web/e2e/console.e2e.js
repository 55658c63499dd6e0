// console.e2e.js - drives the web console in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core): first-start setup with the
// token, login, asset filters and search, the map (click through to an
// asset), acknowledge an alert, accept one into the baseline with a reason,
// the baseline and boundary pages, the Japanese toggle. Screenshots go to
// OUTDIR and each is checked not blank (decoded in the browser: enough
// distinct colours and non-white pixels). Any CSP violation or page error
// fails the test.
//
// Usage: node console.e2e.js BASE_URL SETUP_TOKEN OUTDIR REASON
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [base, token, outdir, reason] = process.argv.slice(2);
const PASSWORD = 'e2e password 123';
let failures = 0;
function ok(msg) { console.log('ok   ' + msg); }
function bad(msg) { console.log('FAIL ' + msg); failures++; }
function expect(cond, msg) { if (cond) ok(msg); else bad(msg); }

async function notBlank(context, file, minInk = 0.05) {
  const b64 = fs.readFileSync(file).toString('base64');
  const p = await context.newPage();
  const r = await p.evaluate(async (data) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + data;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let nonWhite = 0;
    for (let i = 0; i < px.length; i += 16) {
      colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      if (px[i] < 240 || px[i + 1] < 240 || px[i + 2] < 240) nonWhite++;
    }
    return { w: c.width, h: c.height, colours: colours.size, nonWhite: nonWhite / (px.length / 16) };
  }, b64);
  await p.close();
  expect(r.w > 300 && r.h > 200 && r.colours >= 8 && r.nonWhite > minInk,
         `screenshot ${path.basename(file)} not blank (${r.w}x${r.h}, ${r.colours} colours, ` +
         `${(r.nonWhite * 100).toFixed(1)}% non-white)`);
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'otw-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.OTW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1400, height: 900 },
    locale: 'en-US',
    timezoneId: 'Asia/Tokyo', // a plant's PC: times shown in its zone, with the offset
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  page.on('console', m => {
    if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', e => problems.push(String(e)));
  // minInk: the share of non-white pixels expected (a login card alone has little).
  const shot = async (name, minInk) => {
    const f = path.join(outdir, name + '.png');
    await page.screenshot({ path: f, fullPage: false });
    await notBlank(context, f, minInk);
  };
  try {
    // First start: setup token, then login.
    await page.goto(base + '/');
    await page.waitForSelector('#setup-form');
    expect(!(await page.locator('#nav').isVisible()) && !(await page.locator('#logout').isVisible()),
           'setup page: no navigation and no log-out button before anyone logs in');
    ok('setup page shown at first start');
    await page.fill('#token', token);
    await page.fill('#user', 'admin');
    await page.fill('#password', PASSWORD);
    await page.click('#setup-form button[type=submit]');
    await page.waitForSelector('#login-form');
    await page.fill('#user', 'admin');
    await page.fill('#password', 'not the password');
    await page.click('#login-submit');
    await page.waitForFunction(() => document.querySelector('#login-error').textContent !== '');
    ok('wrong password refused on the page');
    await page.fill('#password', PASSWORD);
    await shot('01-login', 0.005);
    await page.click('#login-submit');
    await page.waitForSelector('table#assets tbody tr');
    const total = await page.locator('table#assets tbody tr').count();
    expect(total >= 4, `inventory lists ${total} assets`);
    const cookies = await context.cookies();
    const c = cookies.find(k => k.name === 'otw_session');
    expect(c && c.httpOnly && c.sameSite === 'Strict', 'session cookie HttpOnly, SameSite=Strict');
    expect(await page.evaluate(() => document.cookie.includes('otw_session')) === false,
           'session cookie invisible to scripts');

    // Filters and search.
    await page.selectOption('#f-role', 'controller');
    await page.waitForFunction(() => document.querySelectorAll('table#assets tbody tr').length === 2);
    ok('filter by role: 2 controllers');
    await page.selectOption('#f-role', '');
    await page.waitForFunction(n => document.querySelectorAll('table#assets tbody tr').length === n, total);
    await page.selectOption('#f-zone', 'operations');
    await page.waitForFunction(() => document.querySelectorAll('table#assets tbody tr').length === 2);
    ok('filter by zone: 2 assets in operations');
    await page.selectOption('#f-zone', '');
    await page.waitForFunction(n => document.querySelectorAll('table#assets tbody tr').length === n, total);
    await page.fill('#asset-q', '10.10.1.12');
    await page.waitForFunction(() => document.querySelectorAll('table#assets tbody tr').length === 1);
    ok('search by address: 1 asset');
    await page.fill('#asset-q', '');
    await page.waitForFunction(n => document.querySelectorAll('table#assets tbody tr').length === n, total);
    await shot('02-assets');

    // Map: zones as groups, click through to an asset.
    await page.click('a[href="#/map"]');
    await page.waitForSelector('svg#map circle.node');
    const nodes = await page.locator('svg#map circle.node').count();
    const zones = await page.locator('svg#map g.zone').count();
    const edges = await page.locator('svg#map path.edge').count();
    expect(nodes >= 4 && zones === 2 && edges >= 2, `map: ${nodes} devices, ${zones} zones, ${edges} edges`);
    await shot('03-map');
    await page.locator('svg#map circle.node').first().click();
    await page.waitForSelector('#asset-comms');
    expect(/#\/assets\/\d+$/.test(page.url()), 'map node opens the asset detail');
    await shot('04-asset');

    // Alerts: acknowledge one, accept another with a reason.
    await page.click('a[href="#/alerts"]');
    await page.waitForSelector('table#alerts tbody tr');
    const when = await page.locator('table#alerts tbody tr td:nth-child(2)').first().textContent();
    expect(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00$/.test(when),
           `alert times in the viewer's zone with its offset (got "${when}")`);
    const sevs = (await page.locator('table#alerts tbody tr td:nth-child(3)').evaluateAll(
      tds => tds.map(td => td.className.replace(/.*sev-/, ''))));
    const rank = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
    expect(sevs.every((v, i) => i === 0 || (rank[sevs[i - 1].trim().toLowerCase()] ?? 0) >= (rank[v.trim().toLowerCase()] ?? 0)),
           `open alerts by severity, highest first (${sevs.join(', ')})`);
    const ackRow = page.locator('table#alerts tbody tr', { has: page.locator('button.ack') }).first();
    const ackId = await ackRow.getAttribute('data-id');
    await ackRow.locator('button.ack').click();
    await page.waitForSelector(`table#alerts tr[data-id="${ackId}"] .acked`);
    ok(`alert ${ackId} acknowledged`);
    const accRow = page.locator(`table#alerts tbody tr:not([data-id="${ackId}"])`,
                                { has: page.locator('button.accept') }).first();
    const accId = await accRow.getAttribute('data-id');
    await accRow.locator('button.accept').click();
    await accRow.locator('input.reason-text').fill(reason);
    await shot('05-alerts-accepting');
    await accRow.locator('button.confirm').click();
    await page.waitForSelector(`table#alerts tr[data-id="${accId}"] .accepted`);
    ok(`alert ${accId} accepted into the baseline`);
    await page.selectOption('#f-state', 'acknowledged');
    await page.waitForFunction(() => document.querySelectorAll('table#alerts tbody tr').length === 1);
    ok('filter alerts: 1 acknowledged');
    await page.selectOption('#f-state', 'all');
    await page.waitForSelector('table#alerts tbody tr');
    await shot('06-alerts');

    // Baseline and boundary pages.
    await page.click('a[href="#/baseline"]');
    await page.waitForSelector('table#acceptances');
    const accText = await page.locator('table#acceptances').textContent();
    expect(accText.includes(reason), 'baseline page lists the acceptance with its reason');
    await shot('07-baseline');
    await page.click('a[href="#/boundary"]');
    await page.waitForSelector('table#boundary tbody tr');
    ok('boundary rows shown');
    await shot('08-boundary');

    // Japanese, stored with the user.
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('a[href="#/alerts"]').textContent === 'アラート');
    await page.click('a[href="#/alerts"]');
    await page.waitForSelector('table#alerts tbody tr');
    await shot('09-alerts-ja');
    const jaCells = [...await page.locator('table#alerts tbody tr td:nth-child(3), table#alerts tbody tr td:nth-child(4)').allTextContents(),
                     ...(await page.locator('#f-severity option, #f-type option').allTextContents())];
    expect(jaCells.length > 0 && jaCells.every(x => !/\b(critical|high|medium|low|info)\b|[A-Z]{3,}_[A-Z]/.test(x)),
           `severities and types in Japanese on the Japanese alerts page (${[...new Set(jaCells)].slice(0, 6).join(' / ')})`);
    await page.reload();
    await page.waitForSelector('table#alerts tbody tr');
    expect(await page.locator('a[href="#/map"]').textContent() === 'ネットワークマップ',
           'language kept after reload (stored with the user)');
    await page.click('a[href="#/assets"]');
    await page.waitForSelector('table#assets tbody tr');
    const roles = await page.locator('table#assets tbody tr td:nth-child(5)').allTextContents();
    const options = await page.locator('#f-role option').allTextContents();
    expect(roles.length > 0 && [...roles, ...options].every(r => !/\b(controller|hmi|engineering|historian|network|it_host|iot|unknown)\b/.test(r)),
           `roles in Japanese on the Japanese assets page (${[...new Set(roles)].join(' / ')})`);
    await shot('10-assets-ja');
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('a[href="#/alerts"]').textContent === 'Alerts');

    // Logout.
    await page.click('#logout');
    await page.waitForSelector('#login-form');
    expect(!(await page.locator('#nav').isVisible()) && !(await page.locator('#logout').isVisible()),
           'login page after log-out: no navigation, no log-out button');
    ok('logged out');
  } catch (e) {
    bad('exception: ' + e.message);
    try { await page.screenshot({ path: path.join(outdir, 'failure.png') }); } catch (e2) { /* */ }
  }
  expect(problems.length === 0, 'no page errors or CSP violations' +
         (problems.length ? ': ' + problems.join(' | ') : ''));
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(failures ? 1 : 0);
})();
