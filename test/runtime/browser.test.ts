// The same runtime and the same .bmt in headless Chromium (Debian's chromium via playwright-core):
// the page's logits equal Node's bit for bit, for id batches and for texts through the tokenizer.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tempDir } from '../temp-dir.ts';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createRng } from '../../src/common/rng.ts';
import { writeBmtFile } from '../../src/format/file.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import type { PageApi } from '../../src/web/main.ts';
import { buildWebPage } from '../../src/web/build.ts';
import { modelWithTokenizer, TEXTS } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.bmt': 'application/octet-stream' };

const dir = tempDir('bitedge-web-');
const model = modelWithTokenizer('browser', 24);
let server: Server;
let browser: Browser;
let page: Page;

/** A static server for `dir` on 127.0.0.1, random port. */
function serve(root: string): Promise<{ server: Server; url: string }> {
  const s = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => {
    const addr = s.address() as { port: number };
    resolve({ server: s, url: `http://127.0.0.1:${addr.port}/` });
  }));
}

before(async () => {
  await buildWebPage(dir);
  writeBmtFile(join(dir, 'model.bmt'), model);
  const served = await serve(dir);
  server = served.server;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],  // launch() uses a fresh temporary profile
  });
  page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await page.evaluate(() => (globalThis as unknown as { bitedge: PageApi }).bitedge.ready);
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('page logits equal Node logits bit for bit (id batches)', async () => {
  const rng = createRng('browser-ids');
  const { seqLen: T, vocabSize: V } = model.shape;
  const inputs = Array.from({ length: 6 }, () => {
    const n = 2 + rng.int(T - 1);
    const ids = new Int32Array(T), mask = new Uint8Array(T);
    for (let t = 0; t < n; t++) { ids[t] = rng.int(V); mask[t] = 1; }
    return { ids, mask };
  });
  const rt = await createRuntime(model, { threads: 1 });
  const node = (await rt.run(inputs)).map((z) => Array.from(z));
  await rt.close();
  const web = await page.evaluate(
    (xs) => (globalThis as unknown as { bitedge: PageApi }).bitedge.runIds(xs),
    inputs.map((x) => ({ ids: Array.from(x.ids), mask: Array.from(x.mask) })),
  );
  assert.deepEqual(web, node); // float32 values carried as doubles: equal means the same bits
  assert.notDeepEqual(web[0], web[1]);
});

test('page classify equals Node classify (tokenizer, truncation, empty text)', async () => {
  const rt = await createRuntime(model, { threads: 1 });
  const node = await rt.classify(TEXTS);
  await rt.close();
  const web = await page.evaluate((texts) => (globalThis as unknown as { bitedge: PageApi }).bitedge.classify(texts), TEXTS);
  assert.deepEqual(web, node);
});

test('the form classifies a text', async () => {
  await page.fill('#text', TEXTS[0]);
  await page.click('#go');
  await page.waitForFunction(() => document.querySelectorAll('#result tr').length === 2);
  assert.match(await page.textContent('#status') ?? '', /^(ham|spam) in [\d.]+ ms/);
});
