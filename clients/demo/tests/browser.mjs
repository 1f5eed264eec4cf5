// The /demo page in headless Chromium against `python -m app --demo`: charts match the API, filters and the
// date range change them, a task is cancelled in Looker, repeat views revalidate (304), and the embed loads.
import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { emulatorControls, startDemoService } from '../../scripts/demo-service.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const artifacts = path.resolve(here, '../artifacts')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const results = []
async function check(name, body) {
  try {
    await body()
    results.push({ name, ok: true })
    console.log(`PASS ${name}`)
  } catch (error) {
    results.push({ name, ok: false })
    console.log(`FAIL ${name}\n     ${String(error?.message ?? error).split('\n').join('\n     ')}`)
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

function same(actual, expected, what) {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  assert(a === e, `${what}: page shows ${a.slice(0, 300)}, the API says ${e.slice(0, 300)}`)
}

/** What a tile should show, computed from the API's rows the way a reader would: first field labels, the rest numbers. */
function expectedSeries(rows, fields) {
  const [dimension, ...measures] = fields.length > 1 ? fields : [null, ...fields]
  return {
    labels: dimension ? rows.map((r) => String(r[dimension] ?? '∅')) : [],
    values: Object.fromEntries(measures.map((m) => [m, rows.map((r) => Number(r[m] ?? 0))])),
  }
}

async function tilesOnPage(page) {
  return page.$$eval('[data-tile-id]', (tiles) =>
    tiles.map((t) => ({
      id: t.dataset.tileId,
      type: t.dataset.tileType,
      kind: t.className,
      canvas: Boolean(t.querySelector('canvas')),
      bigNumber: t.querySelector('.big-number')?.textContent ?? null,
      labels: t.dataset.labels ? JSON.parse(t.dataset.labels) : null,
      values: t.dataset.values ? JSON.parse(t.dataset.values) : null,
    })),
  )
}

async function waitForTiles(page, filters) {
  await page.waitForFunction(
    (wanted) => {
      const tiles = document.querySelector('[data-testid=tiles]')
      return tiles && tiles.dataset.loading === 'false' && tiles.dataset.filters === wanted && tiles.querySelector('[data-tile-id]')
    },
    JSON.stringify(filters),
    { timeout: 20_000 },
  )
}

async function compareTiles(page, api, filters) {
  const query = new URLSearchParams(filters).toString()
  const [shape, data] = await Promise.all([
    api('/api/dashboards/1'),
    api(`/api/dashboards/1/data${query ? `?${query}` : ''}`),
  ])
  const shown = await tilesOnPage(page)
  const chartable = data.elements.filter((e) => e.type !== 'text' && e.data !== null)
  assert(chartable.length >= 5, `expected dashboard 1 to have chart tiles, got ${chartable.length}`)
  for (const element of chartable) {
    const tile = shown.find((t) => t.id === element.id)
    assert(tile, `tile ${element.id} (${element.title}) is not on the page`)
    const fields = shape.elements.find((e) => e.id === element.id).query.fields
    const expected = expectedSeries(element.data, fields)
    if (element.type === 'single_value') {
      assert(tile.kind.includes('tile-single') && tile.bigNumber, `tile ${element.id} is not a big number`)
      const value = Object.values(expected.values)[0][0]
      const shownNumber = Number(tile.bigNumber.replace(/[^\d.-]/g, ''))
      assert(Math.abs(shownNumber - value) < 0.01, `big number ${tile.bigNumber} is not ${value}`)
    } else {
      assert(tile.canvas, `tile ${element.id} (${element.type}) has no chart`)
      same(tile.labels, expected.labels, `tile ${element.id} labels`)
    }
    same(tile.values, expected.values, `tile ${element.id} numbers`)
  }
  return data
}

const EMBED_TOKEN_TTL = 8 // seconds; the embedded page asks for fresh tokens a quarter before they end
const service = await startDemoService({ args: ['--embed-token-ttl', String(EMBED_TOKEN_TTL)] })
const emulator = emulatorControls(service.emulatorUrl)
const api = async (pathAndQuery) => {
  const reply = await fetch(`${service.baseUrl}${pathAndQuery}`)
  assert(reply.ok, `${pathAndQuery} answered ${reply.status}`)
  return reply.json()
}
await mkdir(artifacts, { recursive: true })
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true })

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const consoleErrors = []
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()))
  page.on('pageerror', (e) => consoleErrors.push(e.message))
  await page.goto(`${service.baseUrl}/demo/`)
  let first
  await check('every non-text tile of dashboard 1 is a chart whose numbers match /api/dashboards/1/data', async () => {
    await waitForTiles(page, { Date: '12 months' })
    first = await compareTiles(page, api, { Date: '12 months' })
  })
  await page.waitForSelector('[data-testid=look-table] tbody tr', { timeout: 20_000 }).catch(() => {})
  await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.dataset.range, null, { timeout: 20_000 }).catch(() => {})
  await shot(page, '1-dashboard')

  await check('changing the filters changes the charts, to what the API says for them', async () => {
    await page.fill('[data-filter=Date]', '6 months')
    await page.fill('[data-filter=Status]', 'complete')
    await page.click('[data-testid=apply-filters]')
    const filters = { Date: '6 months', Status: 'complete' }
    await waitForTiles(page, filters)
    const filtered = await compareTiles(page, api, filters)
    const pie = (d) => JSON.stringify(d.elements.find((e) => e.id === '102').data)
    assert(pie(filtered) !== pie(first), 'the status tile did not change with the Status filter')
  })
  await shot(page, '2-filtered')

  await check('the metric chart follows the chosen date range and granularity', async () => {
    await page.fill('[data-testid=metric-from]', '2026-06-01')
    await page.fill('[data-testid=metric-to]', '2026-10-31')
    await page.selectOption('[data-testid=metric-granularity]', 'month')
    await page.waitForFunction(
      () => document.querySelector('[data-testid=metric-chart]')?.dataset.range === '2026-06-01/2026-10-31/month',
      null,
      { timeout: 20_000 },
    )
    const series = await api('/api/metrics/revenue?from=2026-06-01&to=2026-10-31&granularity=month')
    const shown = await page.$eval('[data-testid=metric-chart]', (el) => ({
      labels: JSON.parse(el.dataset.labels),
      values: JSON.parse(el.dataset.values),
      canvas: Boolean(el.querySelector('canvas')),
    }))
    assert(shown.canvas, 'the metric has no chart')
    same(shown.labels, series.points.map((p) => p.period), 'metric periods')
    same(shown.values, series.points.map((p) => p.value), 'metric values')
  })

  await check('a slow task shows progress and Cancel kills it in Looker', async () => {
    await emulator.reset()
    await emulator.fault({ operation: 'query_task_execution', latency_ms: 30_000 })
    await page.fill('[data-testid=task-limit]', '4321')
    await page.click('[data-testid=task-run]')
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid=task-status]')
        return el && ['added', 'running'].includes(el.dataset.status) && Number(el.dataset.polls) >= 1
      },
      null,
      { timeout: 20_000 },
    )
    await page.locator('[data-testid=task]').screenshot({ path: path.join(artifacts, '3-task-running.png') })
    await page.click('[data-testid=task-cancel]')
    await page.waitForFunction(() => document.querySelector('[data-testid=task-status]')?.dataset.status === 'killed', null, {
      timeout: 10_000,
    })
    const deadline = Date.now() + 10_000
    let calls = await emulator.calls()
    while (!calls.kill_query && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      calls = await emulator.calls()
    }
    assert(calls.kill_query >= 1, `the emulator saw no kill_query: ${JSON.stringify(calls)}`)
    await page.locator('[data-testid=task]').screenshot({ path: path.join(artifacts, '4-task-cancelled.png') })
    await emulator.reset()
  })

  await check('a repeat view revalidates with If-None-Match and gets 304s', async () => {
    // Playwright reports the cached 200 the page sees; the wire's 304 shows in Chromium's own network events.
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    const urls = new Map()
    const sent = new Map()
    const revalidations = []
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url))
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => sent.set(e.requestId, e.headers))
    cdp.on('Network.responseReceivedExtraInfo', (e) => {
      const url = urls.get(e.requestId)
      if (!url || !new URL(url).pathname.startsWith('/api/looks/')) return
      const headers = Object.fromEntries(Object.entries(sent.get(e.requestId) ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
      revalidations.push({ url, status: e.statusCode, ifNoneMatch: headers['if-none-match'] ?? null })
    })
    await page.reload()
    await page.waitForSelector('[data-testid=look-table] tbody tr', { timeout: 20_000 })
    await page.waitForTimeout(300)
    await cdp.detach()
    const revalidated = revalidations.filter((r) => r.status === 304 && r.ifNoneMatch)
    assert(revalidated.length >= 1, `no 304 with If-None-Match among ${JSON.stringify(revalidations)}`)
    console.log(`     on the wire: ${JSON.stringify(revalidated[0])}`)
  })

  await check('a page on another listed origin can read the cache metadata (CORS exposes it)', async () => {
    // A real server on another port: Chromium lets only loopback pages call loopback addresses.
    const site = createServer((_, res) => res.end('<!doctype html><title>another origin</title>'))
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve))
    const other = await browser.newContext()
    const foreign = await other.newPage()
    await foreign.goto(`http://localhost:${site.address().port}/`)
    const seen = await foreign.evaluate(async (base) => {
      const reply = await fetch(`${base}/api/looks/1`)
      const names = ['ETag', 'X-Cache', 'Cache-Status', 'Age', 'X-Request-ID']
      return Object.fromEntries(names.map((n) => [n, reply.headers.get(n)]))
    }, service.baseUrl)
    await other.close()
    site.close()
    const missing = Object.entries(seen).filter(([, v]) => v === null).map(([k]) => k)
    assert(missing.length === 0, `not readable cross-origin: ${missing.join(', ')}`)
  })

  // Every cookieless answer the page gets, to show the session reference token never reaches it.
  const cookielessBodies = []
  page.on('response', async (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/embed/cookieless/')) cookielessBodies.push(await r.text().catch(() => ''))
  })

  /** Load the page, and check the embedded dashboard arrives through the cookieless flow and its tokens are refreshed. */
  async function embedded(pageUrl, driver, srcPrefix) {
    const acquired = page.waitForResponse((r) => r.url().includes('/api/embed/cookieless/acquire'), { timeout: 15_000 })
    await page.goto(pageUrl)
    const acquire = await acquired
    assert(acquire.status() === 200, `GET /api/embed/cookieless/acquire answered ${acquire.status()}`)
    assert(acquire.headers()['cache-control'] === 'no-store', 'the acquire answer may be stored')
    const frame = await page.waitForSelector('[data-testid=embed] iframe', { timeout: 15_000 })
    const src = await frame.getAttribute('src')
    assert(src.startsWith(srcPrefix) && src.includes('/login/embed/') && src.includes('embed_authentication_token='), `unexpected iframe src ${src}`)
    const content = await frame.contentFrame()
    const title = await content.waitForSelector('#dashboard-title', { timeout: 15_000 })
    assert((await title.textContent()).includes('Business Pulse'), 'the embedded page is not dashboard 1')
    assert((await page.getAttribute('[data-testid=embed]', 'data-driver')) === driver, `not driven by ${driver}`)
    // The emulator's tokens live EMBED_TOKEN_TTL seconds here, so the embedded page asks for fresh ones soon.
    const refreshed = page.waitForResponse((r) => r.url().includes('/api/embed/cookieless/tokens') && r.status() === 200, {
      timeout: 30_000,
    })
    // The new API token works: the embedded page reloads its tiles with it from Looker.
    const reloaded = page.waitForResponse((r) => r.url().includes('/api/internal/embed/content') && r.status() === 200, {
      timeout: 30_000,
    })
    await refreshed
    await reloaded
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=embed]')?.dataset.refreshes) >= 1, null, {
      timeout: 10_000,
    })
    assert((await page.getAttribute('[data-testid=embed]', 'data-stage')) === 'connected', 'the embed is not connected')
  }

  await check('dashboard 1 loads embedded through the cookieless endpoints (the page drives the plain-http emulator), tokens refreshed', async () => {
    await embedded(`${service.baseUrl}/demo/`, 'page', `${service.emulatorUrl}/login/embed/`)
  })
  await page.waitForTimeout(300)
  await page.locator('[data-testid=embed]').screenshot({ path: path.join(artifacts, '5-embed.png') })

  await check('dashboard 1 loads embedded through @looker/embed-sdk, tokens refreshed', async () => {
    // The SDK always opens Looker over https; the emulator speaks http, so the browser's https requests for the
    // emulator's host are answered by fetching the same path over http.
    // (Registered only now: Playwright turns the HTTP cache off once a route exists.)
    const emulatorHost = new URL(service.emulatorUrl).host
    await context.route(`https://${emulatorHost}/**`, async (route) => {
      const url = new URL(route.request().url())
      url.protocol = 'http:'
      await route.fulfill({ response: await route.fetch({ url: url.toString() }) })
    })
    await embedded(`${service.baseUrl}/demo/?embed=sdk`, 'sdk', `https://${emulatorHost}/login/embed/`)
  })
  await page.waitForTimeout(300)
  await page.locator('[data-testid=embed]').screenshot({ path: path.join(artifacts, '5b-embed-sdk.png') })

  await check('no cookieless answer carried the session reference token', async () => {
    assert(cookielessBodies.length >= 4, `saw only ${cookielessBodies.length} cookieless answers`)
    const leaked = cookielessBodies.filter((b) => b.includes('session_reference_token"'))
    assert(leaked.length === 0, `a session reference token reached the page: ${leaked[0]?.slice(0, 200)}`)
  })

  const cspErrors = consoleErrors.filter((e) => /Content Security Policy/i.test(e))
  await check('the page runs under its Content-Security-Policy without violations', async () => {
    assert(cspErrors.length === 0, cspErrors.join('\n'))
  })
  if (consoleErrors.length) console.log(`console errors seen:\n  ${consoleErrors.slice(0, 10).join('\n  ')}`)
} finally {
  await service.stop()
}

// A service that needs credentials: the page itself loads without any, asks for a key, then works with it.
const KEY = 'browser-test-key-0123456789'
const guarded = await startDemoService({ env: { API_KEYS: `web:${KEY}`, ALLOW_ANONYMOUS: 'false' } })
try {
  await check('with API keys required, the page loads without credentials, asks for a key and then shows data', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const reply = await page.goto(`${guarded.baseUrl}/demo/`)
    assert(reply.status() === 200, `/demo/ answered ${reply.status()} without credentials`)
    await page.waitForSelector('[data-testid=key-form]', { timeout: 15_000 })
    await shot(page, '6-asks-for-key')
    await page.fill('[data-testid=key-form] input', KEY)
    await page.click('[data-testid=key-form] button')
    await page.waitForSelector('[data-tile-id] canvas', { timeout: 20_000 })
    const caller = await page.textContent('[data-testid=caller]')
    assert(/key:/.test(caller), `the page does not say it calls with a key: ${caller}`)
    await page.close()
  })
} finally {
  await browser.close()
  await guarded.stop()
}

const failed = results.filter((r) => !r.ok).length
console.log(`${results.length - failed} passed, ${failed} failed`)
console.log(`screenshots in ${path.relative(process.cwd(), artifacts)}/`)
process.exit(failed ? 1 : 0)
