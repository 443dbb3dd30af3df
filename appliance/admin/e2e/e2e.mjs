// Browser test of the tcpbox admin page. It drives Debian's headless
// chromium with playwright-core against BASE_URL (the Go test's server of
// fake data, or a real appliance), and saves a screenshot of each page
// and the downloaded capture under ARTIFACTS.
//
// Env: BASE_URL, ADMIN_USER, ADMIN_PASSWORD, ARTIFACTS, CHROMIUM (default
// /usr/bin/chromium), SERVICE (default framed_echo), ALGORITHM (default bbr).
import { chromium, request } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const base = process.env.BASE_URL;
const user = process.env.ADMIN_USER || 'admin';
const password = process.env.ADMIN_PASSWORD;
const art = process.env.ARTIFACTS || fs.mkdtempSync('/tmp/tcpbox-e2e-');
const service = process.env.SERVICE || 'framed_echo';
const algorithm = process.env.ALGORITHM || 'bbr';
if (!base || !password) {
  console.error('BASE_URL and ADMIN_PASSWORD are required');
  process.exit(2);
}
fs.mkdirSync(art, { recursive: true });

function check(ok, what) {
  if (!ok) throw new Error('check failed: ' + what);
  console.log('ok: ' + what);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let page;
try {
  // 401 without credentials.
  const anon = await request.newContext();
  const r = await anon.get(base + '/');
  check(r.status() === 401, 'no credentials: 401 (' + r.status() + ')');
  await anon.dispose();

  const context = await browser.newContext({
    httpCredentials: { username: user, password },
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
  });
  // The page must load nothing from outside the box.
  const outside = [];
  context.on('request', (req) => { if (!req.url().startsWith(base)) outside.push(req.url()); });
  page = await context.newPage();
  const shot = (name) => page.screenshot({ path: path.join(art, name + '.png'), fullPage: true });

  await page.goto(base + '/');
  await page.waitForSelector('h1');
  check((await page.textContent('h1')) === 'Overview', 'logged in: overview');
  await shot('overview');
  await page.check('#autorefresh');
  const up = await page.textContent('#uptime');
  await page.waitForFunction((u) => document.getElementById('uptime').textContent !== u, up, { timeout: 15000 });
  check(true, 'overview refreshes itself when asked');
  await page.uncheck('#autorefresh');

  // A change without the XSRF token is refused (403), from the logged-in browser.
  const forged = await page.evaluate(async () => {
    const r = await fetch('/tuning', { method: 'POST', body: new URLSearchParams({ 'tcp.backlog': '7' }) });
    return r.status;
  });
  check(forged === 403, 'POST without XSRF token: 403 (' + forged + ')');

  // Connections before the change.
  const idsBefore = await page.evaluate(async (svc) => {
    const r = await fetch('/api/connections?service=' + svc);
    return (await r.json()).connections.map((c) => c.id);
  }, service);
  const maxBefore = Math.max(0, ...idsBefore);

  // An invalid value is refused beside its field and nothing changes.
  await page.goto(base + '/tuning');
  await page.fill('input[name="tcp.mss_clamp"]', '20');
  await Promise.all([page.waitForNavigation(), page.locator('#tuning button[type=submit]').first().click()]);
  const errs = await page.textContent('#errors');
  check(errs.includes('tcp.mss_clamp: 20 is below the minimum 88'), 'MSS 20 refused with a field error');
  check(await page.locator('tr[id="f-tcp.mss_clamp"].invalid').count() === 1, 'error shown inline');
  await shot('tuning-invalid');
  await page.goto(base + '/tuning');
  check(await page.inputValue('input[name="tcp.mss_clamp"]') === '0', 'nothing changed after the refusal');

  // Change the service's algorithm: give it a profile and set that profile's algorithm.
  const profile = 'rr';
  await page.selectOption(`select[name="services.${service}.profile"]`, profile);
  await page.selectOption(`select[name="profiles.${profile}.congestion"]`, algorithm);
  await Promise.all([page.waitForNavigation(), page.locator('#tuning button[type=submit]').first().click()]);
  check(await page.locator('#saved').count() === 1, `saved: ${service} uses profile ${profile} with ${algorithm}`);
  await shot('tuning');

  await page.goto(base + '/services');
  const cc = await page.textContent(`tr[data-service="${service}"] td.cc`);
  check(cc.trim() === algorithm, `services page shows ${algorithm} for ${service} (${cc})`);
  await shot('services');

  // The next connection uses it.
  let next = 0;
  for (let i = 0; i < 60 && !next; i++) {
    next = await page.evaluate(async ([svc, max]) => {
      const r = await fetch('/api/connections?service=' + svc + '&sort=id&desc=1');
      const c = (await r.json()).connections || [];
      return c.length && c[0].id > max ? c[0].id : 0;
    }, [service, maxBefore]);
    if (!next) await page.waitForTimeout(500);
  }
  check(next > 0, 'a new connection arrived (' + next + ')');
  await page.goto(base + '/connections?service=' + service);
  await shot('connections');
  // Choosing a state filters at once, keeping the service filter.
  await Promise.all([page.waitForNavigation(), page.selectOption('form.filters select[name="state"]', 'ESTABLISHED')]);
  const states = await page.$$eval('#conns tr[data-state]', (rs) => rs.map((r) => r.getAttribute('data-state')));
  check(page.url().includes('state=ESTABLISHED') && page.url().includes('service=' + service) &&
    states.length > 0 && states.every((s) => s === 'ESTABLISHED'), `state filter on change: ${page.url()} ${states}`);
  await page.goto(base + '/connections/' + next);
  const used = await page.textContent('td[data-k="congestion"]');
  check(used.trim() === algorithm, `connection ${next} names its algorithm ${algorithm} (${used})`);

  // The cwnd plot moves (live refresh from the JSON twin).
  const sel = '#plot-window polyline[data-series="cwnd"]';
  await page.waitForSelector(sel);
  const before = await page.getAttribute(sel, 'points');
  await page.waitForFunction(([s, prev]) => {
    const el = document.querySelector(s);
    return el && el.getAttribute('points') !== prev;
  }, [sel, before], { timeout: 20000 });
  check(true, 'cwnd plot moved');
  // The history plot covers the transfer so far, not the last fraction
  // of a second: its cwnd line spans more than 5 s of the connection.
  const hsel = '#plot-history-window polyline[data-series^="cwnd"]';
  await page.waitForFunction((s) => {
    const el = document.querySelector(s);
    return el && el.getAttribute('points').trim().split(' ').length > 20 &&
      parseFloat(el.getAttribute('data-t1')) - parseFloat(el.getAttribute('data-t0')) > 5;
  }, hsel, { timeout: 30000 });
  const hist = await page.evaluate(async (id) => (await (await fetch('/api/connections/' + id)).json()), next);
  const span = (hist.history[hist.history.length - 1].at - hist.history[0].at) / 1e9;
  check(hist.history.length > 20 && span > 5 && hist.trace.length > 0,
    `history plot spans ${span.toFixed(1)} s in ${hist.history.length} points of ${hist.history_interval / 1e6} ms beside ${hist.trace.length} per-ACK points`);
  await shot('connection');

  // Capture: start, download the pcap.
  await page.goto(base + '/captures');
  await page.fill('#capture-start input[name="filter"]', `tcp port 50000`);
  await page.fill('#capture-start input[name="max_duration"]', '30s');
  await Promise.all([page.waitForNavigation(), page.click('#capture-start button')]);
  await page.waitForTimeout(1000);
  await page.reload();
  await shot('captures');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('a.download').last().click()]);
  const pcap = path.join(art, 'capture.pcap');
  await dl.saveAs(pcap);
  check(fs.statSync(pcap).size > 24, 'capture downloaded: ' + pcap);

  await page.goto(base + '/logs');
  await shot('logs');

  check(outside.length === 0, 'nothing loaded from outside the box ' + JSON.stringify(outside));
  console.log('artifacts: ' + art);
  await context.close();
} catch (e) {
  console.error(e.stack || String(e));
  if (page) await page.screenshot({ path: path.join(art, 'failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
