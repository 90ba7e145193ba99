// End-to-end test of the web app against a real `yano serve`, in Chromium (playwright-core).
//   YANO_BIN=/path/to/yano node e2e/run.mjs
// Env: YANO_BIN (default ../target/debug/yano), YANO_CHROMIUM (default /usr/bin/chromium),
// YANO_E2E_REPORT (default web/e2e-report.json), YANO_E2E_SCREENSHOTS (default ../docs/web),
// YANO_E2E_PREVIEW=1 serves the app from `vite preview` proxying /v1 to the server (for servers
// that do not serve the app themselves yet), YANO_E2E_ONLY=phone|desktop runs one viewport.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import net from 'node:net';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(WEB, '..');
const BIN = process.env.YANO_BIN || join(REPO, 'target/debug/yano');
const CHROMIUM = process.env.YANO_CHROMIUM || '/usr/bin/chromium';
const REPORT = process.env.YANO_E2E_REPORT || join(WEB, 'e2e-report.json');
const SHOTS = process.env.YANO_E2E_SCREENSHOTS || join(REPO, 'docs/web');
const ONLY = process.env.YANO_E2E_ONLY;
const JS_BUDGET = 200 * 1024;
const TTI_BUDGET_MS = 2000;

const report = { started: new Date().toISOString(), steps: [], budgets: {}, viewports: {}, passed: false };
const t0 = Date.now();
function step(message) {
  const line = `[${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`;
  console.log(line);
  report.steps.push(line);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

async function waitFor(what, f, timeoutMs = 30000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Header of a WAV file: channels, rate, bits and its length in seconds. */
function wavInfo(buf) {
  assert.equal(buf.toString('ascii', 0, 4), 'RIFF', 'a RIFF file');
  assert.equal(buf.toString('ascii', 8, 12), 'WAVE', 'a WAVE file');
  let o = 12;
  let fmt = null;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    let size = buf.readUInt32LE(o + 4);
    if (id === 'fmt ') fmt = { format: buf.readUInt16LE(o + 8), channels: buf.readUInt16LE(o + 10), sampleRate: buf.readUInt32LE(o + 12), bits: buf.readUInt16LE(o + 22) };
    if (id === 'data') {
      assert.ok(fmt, 'fmt before data');
      if (size === 0 || size === 0xffffffff || o + 8 + size > buf.length) size = buf.length - o - 8;
      const frames = size / (fmt.channels * (fmt.bits / 8));
      return { ...fmt, frames, seconds: frames / fmt.sampleRate };
    }
    o += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

const children = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null && !c.killed) c.kill('SIGTERM');
}
process.on('exit', cleanup);
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

let browser;
const dataDir = mkdtempSync(join(tmpdir(), 'yano-e2e-'));
try {
  mkdirSync(SHOTS, { recursive: true });
  step(`yano: ${BIN}; data: ${dataDir}`);
  const out = execFileSync(BIN, ['token', 'create', 'e2e', '--data', dataDir], { encoding: 'utf8' });
  const token = out.trim().split('\n').pop().trim();
  assert.match(token, /\S{16,}/, 'a token on the last line');
  const port = await freePort();
  const server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(server);
  let serverLog = '';
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  const apiBase = `http://127.0.0.1:${port}`;
  await waitFor('/healthz', async () => (await fetch(apiBase + '/healthz')).ok, 60000);
  step(`server up on ${apiBase}`);
  let base = apiBase;
  if (process.env.YANO_E2E_PREVIEW) {
    const p2 = await freePort();
    const vite = spawn(process.execPath, [join(WEB, 'node_modules/vite/bin/vite.js'), 'preview', '--port', String(p2), '--strictPort', '--host', '127.0.0.1'], {
      cwd: WEB,
      env: { ...process.env, YANO_API: apiBase },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(vite);
    base = `http://127.0.0.1:${p2}`;
    await waitFor('vite preview', async () => (await fetch(base + '/')).ok, 30000);
    step(`app served by vite preview on ${base}`);
  }

  const api = async (method, path, body) => {
    const r = await fetch(apiBase + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? (() => { try { return JSON.parse(text); } catch { return text; } })() : null };
  };

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  step(`chromium ${browser.version()}`);

  // ---- budgets ----------------------------------------------------------------------------
  {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const scripts = [];
    page.on('response', (r) => {
      if (r.request().resourceType() === 'script') scripts.push(r);
    });
    await page.goto(base + '/', { waitUntil: 'load' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    let gz = 0;
    let raw = 0;
    for (const r of scripts) {
      const b = await r.body();
      raw += b.length;
      gz += gzipSync(b, { level: 9 }).length;
    }
    report.budgets.first_load_js = { files: scripts.map((r) => r.url()), raw_bytes: raw, gzip_bytes: gz, budget: JS_BUDGET };
    step(`first load JS: ${scripts.length} files, ${raw} bytes, ${gz} bytes gzipped (budget ${JS_BUDGET})`);
    assert.ok(scripts.length > 0, 'the first load fetched JavaScript');
    assert.ok(gz < JS_BUDGET, `first-load JS ${gz} B gzipped < ${JS_BUDGET} B`);
    await context.close();
  }
  {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(base + '/', { waitUntil: 'commit' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'visible' });
    await waitFor('yano-interactive mark', () => page.evaluate(() => performance.getEntriesByName('yano-interactive').length > 0), 10000, 50);
    const tti = await page.evaluate(() => performance.getEntriesByName('yano-interactive')[0].startTime);
    const enabled = await page.getByRole('button', { name: 'Sign in' }).isEnabled();
    report.budgets.tti_ms = { value: Math.round(tti), budget: TTI_BUDGET_MS, cpu_throttling: 4 };
    step(`time to interactive at 4x CPU throttling: ${Math.round(tti)} ms (budget ${TTI_BUDGET_MS})`);
    assert.ok(enabled, 'the sign-in button is enabled');
    assert.ok(tti < TTI_BUDGET_MS, `time to interactive ${tti} ms < ${TTI_BUDGET_MS} ms`);
    await context.close();
  }

  const viewports = [
    { name: 'phone', options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, seed: 7 },
    { name: 'desktop', options: { viewport: { width: 1280, height: 800 } }, seed: 8 },
  ].filter((v) => !ONLY || v.name === ONLY);

  for (const vp of viewports) {
    const r = {};
    report.viewports[vp.name] = r;
    const shot = (name) => page.screenshot({ path: join(SHOTS, `${vp.name}-${name}.png`), fullPage: true });
    const context = await browser.newContext({ ...vp.options, acceptDownloads: true, serviceWorkers: 'allow' });
    const page = await context.newPage();
    page.on('pageerror', (e) => step(`  page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && step(`  console error: ${m.text()}`));
    const audioTime = () => page.evaluate(() => window.__yano.audioTime());
    const probe = () => page.evaluate(() => window.__yano.player());

    step(`${vp.name}: open / and sign in`);
    await page.goto(base + '/');
    await page.getByLabel('API token').waitFor();
    await shot('signin');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Generate a track' }).waitFor();

    step(`${vp.name}: generate 16 bars, seed ${vp.seed}`);
    await page.getByLabel('Describe it').fill('soulful private school amapiano with a deep log drum');
    await page.getByRole('button', { name: 'jazzy' }).click();
    await page.getByLabel('Length').selectOption('16');
    await page.getByLabel('Seed').fill(String(vp.seed));
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const seen = [];
    let shotTaken = false;
    await waitFor(
      'the track view',
      async () => {
        const hash = await page.evaluate(() => location.hash);
        if (hash.startsWith('#/track/')) return true;
        const text = await page.getByTestId('progress-text').textContent({ timeout: 500 }).catch(() => null);
        if (text && seen[seen.length - 1] !== text) {
          seen.push(text.trim());
          if (!shotTaken && /running/.test(text)) {
            shotTaken = true;
            await shot('generate-progress');
          }
        }
        return false;
      },
      240000,
      100,
    );
    if (!shotTaken) await shot('generate-progress');
    r.progress_seen = seen;
    step(`${vp.name}: progress seen: ${seen.join(' | ')}`);
    const intermediate = seen.filter((s) => /running/.test(s) || /\b([1-9]\d?)%/.test(s));
    assert.ok(intermediate.length > 0, `an intermediate progress value or stage (saw ${JSON.stringify(seen)})`);
    const jobId = (await page.evaluate(() => location.hash)).slice('#/track/'.length);
    r.job = jobId;
    const job = (await api('GET', `/v1/jobs/${jobId}`)).body;
    assert.equal(job.state, 'done');
    step(`${vp.name}: job ${jobId} done: ${job.summary?.seconds} s, ${job.artifacts.length} artifacts`);

    step(`${vp.name}: play`);
    await page.getByTestId('play').waitFor({ timeout: 180000 });
    await page.getByTestId('play').click();
    await waitFor('playing', async () => (await probe())?.playing, 5000);
    const a1 = await audioTime();
    await sleep(1000);
    const a2 = await audioTime();
    const pos = (await probe()).position;
    r.audio_clock = [a1, a2, pos];
    step(`${vp.name}: audio clock ${a1.toFixed(3)} -> ${a2.toFixed(3)}, position ${pos.toFixed(2)} s`);
    assert.ok(a2 - a1 > 0.5, 'the audio clock advances');
    assert.ok(pos > 0.3, 'the playhead moves');

    step(`${vp.name}: solo a stem`);
    const stems = (await probe()).stems;
    assert.ok(stems.length > 1, 'several stems');
    const soloName = stems.find((s) => s.name.includes('drum'))?.name ?? stems[0].name;
    const solo = page.getByRole('button', { name: `Solo ${soloName}`, exact: true });
    await solo.click();
    assert.equal(await solo.getAttribute('aria-pressed'), 'true');
    const after = (await probe()).stems;
    for (const s of after) {
      if (s.name === soloName) assert.ok(s.effective > 0, `${s.name} audible`);
      else assert.equal(s.effective, 0, `${s.name} silent while ${soloName} is soloed`);
    }
    r.solo = { stem: soloName, gains: after.map((s) => [s.name, s.effective]) };
    await shot('track');
    await solo.click();

    step(`${vp.name}: rate it`);
    const rate = async (values, suggestion) => {
      for (const [name, v] of Object.entries(values)) await page.locator(`input[name="${name}"][value="${v}"]`).check({ force: true });
      await page.getByLabel('Suggestions').fill(suggestion);
      await page.getByRole('button', { name: 'Submit feedback' }).click();
    };
    await rate({ rating: 4, cultural_accuracy: 5, musical_quality: 4 }, 'more log drum');
    await waitFor('saved', async () => (await page.getByTestId('feedback-status').textContent()) === 'Saved', 15000);

    step(`${vp.name}: download a stem as WAV`);
    const stemArtifact = job.artifacts.find((a) => a.name.startsWith('stems/') && a.name.endsWith('.flac'));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.locator(`[data-download="${stemArtifact.name}:wav"]`).click()]);
    const wavPath = join(dataDir, `${vp.name}-stem.wav`);
    await download.saveAs(wavPath);
    const info = wavInfo(readFileSync(wavPath));
    r.download = { file: download.suggestedFilename(), ...info };
    step(`${vp.name}: ${download.suggestedFilename()}: ${info.channels} ch, ${info.sampleRate} Hz, ${info.bits} bit, ${info.seconds.toFixed(3)} s (summary ${job.summary.seconds})`);
    // The right length: the mix's, sample for sample (the stems are rendered in the same pass),
    // and that is the 16 bars asked for at the track's tempo (16 × 4 × 60 / BPM, which the
    // summary's `seconds` must also say) plus the render's tail of reverb and echoes (at most 4 s).
    const mixArtifact = job.artifacts.find((a) => a.name === 'track.flac');
    const mixResponse = await fetch(`${apiBase}/v1/artifacts/${mixArtifact.key}?format=wav`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(mixResponse.status, 200);
    const mix = wavInfo(Buffer.from(await mixResponse.arrayBuffer()));
    const bars = (16 * 4 * 60) / job.summary.bpm;
    r.download.mix_seconds = mix.seconds;
    r.download.bars_seconds = bars;
    assert.ok(Math.abs(job.summary.seconds - bars) < 0.01, `the summary says 16 bars at ${job.summary.bpm} BPM`);
    assert.equal(info.frames, mix.frames, 'the stem is as long as the mix, sample for sample');
    assert.ok(info.seconds >= bars && info.seconds <= bars + 4, `16 bars (${bars.toFixed(3)} s) and a tail of at most 4 s: ${info.seconds.toFixed(3)} s`);
    assert.equal(info.sampleRate, 48000);

    step(`${vp.name}: keep offline`);
    await page.getByLabel('Keep offline').check();
    await waitFor('kept offline', async () => (await page.getByTestId('keep-status').textContent()) === 'Available offline', 120000);
    await waitFor('a controlling service worker', () => page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      return !!navigator.serviceWorker.controller;
    }), 20000);

    step(`${vp.name}: go offline and reload`);
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('link', { name: 'Library' }).click();
    await page.locator(`[data-job="${jobId}"] a`).waitFor({ timeout: 20000 });
    await shot('library-offline');
    await page.locator(`[data-job="${jobId}"] a`).click();
    await page.getByTestId('play').waitFor({ timeout: 120000 });
    await page.getByTestId('play').click();
    await waitFor('playing offline', async () => (await probe())?.playing, 5000);
    const o1 = await audioTime();
    await sleep(1000);
    const o2 = await audioTime();
    r.offline_audio_clock = [o1, o2];
    step(`${vp.name}: offline audio clock ${o1.toFixed(3)} -> ${o2.toFixed(3)}`);
    assert.ok(o2 - o1 > 0.5, 'the audio clock advances offline');
    await page.getByTestId('play').click();

    {
    step(`${vp.name}: rate it offline`);
    const offlineRating = { rating: 2, cultural_accuracy: 3, musical_quality: 1 };
    await rate(offlineRating, `offline ${vp.name}`);
    await waitFor('saved offline', async () => (await page.getByTestId('feedback-status').textContent()) === 'Saved offline, will sync', 15000);
    const pending = await page.getByTestId('pending').textContent();
    step(`${vp.name}: banner says "${pending}"`);
    assert.match(pending, /^1 pending/);
    await shot('track-offline');

    step(`${vp.name}: back online, the outbox syncs`);
    await context.setOffline(false);
    const synced = await waitFor(
      'the offline rating on the server',
      async () => {
        const f = await api('GET', `/v1/jobs/${jobId}/feedback`);
        return f.status === 200 && f.body.rating === offlineRating.rating && f.body.cultural_accuracy === offlineRating.cultural_accuracy && f.body.musical_quality === offlineRating.musical_quality ? f.body : null;
      },
      20000,
      500,
    );
    r.feedback = synced;
    step(`${vp.name}: server has ${JSON.stringify(synced)}`);
    await page.getByTestId('pending').waitFor({ state: 'detached', timeout: 10000 });
    }

    if (vp.name === 'desktop') {
      step('desktop: analyse the generated mix (uploaded as WAV)');
      const mix = job.artifacts.find((a) => a.name === 'track.flac');
      const wav = Buffer.from(await (await fetch(`${apiBase}/v1/artifacts/${mix.key}?format=wav`, { headers: { Authorization: `Bearer ${token}` } })).arrayBuffer());
      const mixPath = join(dataDir, 'mix.wav');
      writeFileSync(mixPath, wav);
      await page.getByRole('link', { name: 'Song' }).click();
      await page.getByTestId('file').setInputFiles(mixPath);
      await page.getByTestId('upload-info').waitFor({ timeout: 60000 });
      await page.getByRole('button', { name: 'Analyse' }).click();
      await waitFor('the analysis', async () => (await page.evaluate(() => location.hash)).startsWith('#/track/'), 300000, 500);
      await page.getByTestId('analysis').waitFor({ timeout: 60000 });
      await page.getByTestId('play').waitFor({ timeout: 60000 });
      await sleep(500);
      await shot('analysis');
      step('desktop: analysis shown');

      step('desktop: a project as a graph drawing');
      const ron = readFileSync(join(REPO, 'graphs/amapiano-starter.ron'), 'utf8');
      const created = await api('POST', '/v1/projects', { name: 'Starter groove', graph: ron });
      assert.ok(created.status === 201 || created.status === 200, `project created (${created.status}: ${JSON.stringify(created.body)})`);
      await page.getByRole('link', { name: 'Library' }).click();
      await page.getByRole('tab', { name: 'Projects' }).click();
      await page.getByRole('link', { name: 'Starter groove' }).click();
      await page.getByTestId('graph').waitFor();
      await shot('project');
    }
    await page.getByRole('link', { name: 'Library' }).click();
    await page.locator(`[data-job="${jobId}"]`).waitFor();
    await shot('library');
    await context.close();
  }
  report.passed = true;
  step(report.passed ? 'PASS' : 'DONE (old-server mode: feedback not checked, not a pass)');
} catch (e) {
  report.error = e instanceof Error ? e.stack : String(e);
  console.error(e);
  step('FAIL');
} finally {
  await browser?.close().catch(() => {});
  cleanup();
  report.finished = new Date().toISOString();
  writeFileSync(REPORT, JSON.stringify(report, null, 2));
  console.log(`report: ${REPORT}`);
  try {
    rmSync(dataDir, { recursive: true, force: true });
  } catch {
    /* leave it */
  }
}
process.exit(report.passed ? 0 : 1);
