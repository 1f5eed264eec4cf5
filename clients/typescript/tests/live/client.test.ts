// The client against a real service (`python -m app --demo`) and its bundled Looker emulator, over HTTP.
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createLookerProxyClient, ProblemError, type QueryRequest } from '../../src/index.js'
import { emulatorControls } from '../../../scripts/demo-service.mjs'

const baseUrl = inject('baseUrl')
const emulatorUrl = inject('emulatorUrl')
const client = createLookerProxyClient({ baseUrl })

const emulator = emulatorControls(emulatorUrl)

let unique = 0
/** A query no other test asked, so its first answer is a miss. */
function freshQuery(): QueryRequest {
  unique += 1
  return { model: 'thelook', view: 'orders', fields: ['orders.status', 'orders.count'], limit: 100 + unique }
}

afterEach(async () => {
  await emulator.reset()
})

describe('results and their cache metadata', () => {
  it('runs a query as typed rows, a miss then a hit with the same ETag', async () => {
    const body = freshQuery()
    const first = await client.query(body)
    expect(first.data.length).toBeGreaterThan(0)
    expect(first.data[0]).toHaveProperty('orders.count')
    expect(first.meta.cache).toBe('MISS')
    expect(first.meta.etag).toMatch(/^"/)
    expect(first.meta.requestId).toBeTruthy()
    const again = await client.query(body)
    expect(again.meta.cache).toBe('HIT')
    expect(again.meta.etag).toBe(first.meta.etag)
    expect(again.meta.cacheStatus).toMatch(/hit/)
    expect(again.meta.asOf!.getTime()).toBeLessThanOrEqual(again.meta.receivedAt.getTime())
  })

  it('answers If-None-Match with a 304 and no body', async () => {
    const first = await client.look(1, { limit: 3 })
    const revalidated = await client.look(1, { limit: 3 }, { headers: { 'If-None-Match': first.meta.etag! } })
    expect(revalidated.meta.status).toBe(304)
    expect(revalidated.data).toBeUndefined()
  })

  it('returns text for text formats', async () => {
    const csv = await client.query<string>({ ...freshQuery(), format: 'csv' })
    expect(typeof csv.data).toBe('string')
    expect(csv.data.split('\n')[0]).toContain('Status')
  })
})

describe('dashboards and metrics', () => {
  it('describes dashboard 1 and runs its tiles with a filter', async () => {
    const dashboard = await client.dashboard(1)
    expect(dashboard.data.filters.map((f) => f.name)).toEqual(['Date', 'Status'])
    const all = await client.dashboardData(1)
    const complete = await client.dashboardData(1, { Status: 'complete' })
    const pie = (data: typeof all.data) => data.elements.find((e) => e.id === '102')
    expect(pie(all.data)).toHaveProperty('data')
    expect(JSON.stringify(pie(complete.data))).not.toBe(JSON.stringify(pie(all.data)))
  })

  it('returns a metric with every period of the range', async () => {
    const series = await client.metric('revenue', { from: '2026-09-01', to: '2026-11-28', granularity: 'month' })
    expect(series.data.points.map((p) => p.period)).toEqual(['2026-09-01', '2026-10-01', '2026-11-01'])
    expect(typeof series.data.points[0].value).toBe('number')
  })
})

describe('errors are typed problems', () => {
  it('names the invalid field of a 400', async () => {
    const error = await client.query({ ...freshQuery(), limit: 999_999 }).catch((e) => e)
    expect(error).toBeInstanceOf(ProblemError)
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(error.errors[0].field).toBe('limit')
    expect(error.request_id).toBeTruthy()
  })

  it('says 404 not_found for an unknown dashboard', async () => {
    await expect(client.dashboard(999)).rejects.toMatchObject({ status: 404, code: 'not_found' })
  })

  it('reports an unreachable service as a network problem', async () => {
    const offline = createLookerProxyClient({ baseUrl: 'http://127.0.0.1:9' })
    await expect(offline.metrics()).rejects.toMatchObject({ status: 0, code: 'network_error' })
  })
})

describe('query tasks', () => {
  it('polls a task at its Retry-After until the rows arrive', async () => {
    const statuses: string[] = []
    const result = await client.runQueryTask(freshQuery(), { onProgress: (p) => statuses.push(p.status) })
    expect(result.data.length).toBeGreaterThan(0)
    expect(statuses[0]).toBe('starting')
    expect(statuses.at(-1)).toBe('complete')
  })

  it('kills the task in Looker when the caller aborts', async () => {
    await emulator.fault({ operation: 'query_task_execution', latency_ms: 20_000 })
    const controller = new AbortController()
    const running = client.runQueryTask(freshQuery(), {
      signal: controller.signal,
      onProgress: (p) => p.id && setTimeout(() => controller.abort(), 300),
    })
    await expect(running).rejects.toMatchObject({ name: 'AbortError' })
    await expect.poll(async () => (await emulator.calls()).kill_query ?? 0).toBeGreaterThan(0)
  })
})

describe('cookieless embed (contract section 5)', () => {
  it('names the Looker host to embed from', async () => {
    const { data, meta } = await client.cookielessConfig()
    expect(data.looker_url).toBe(emulatorUrl)
    expect(data.looker_host).toBe(new URL(emulatorUrl).host)
    expect(meta.status).toBe(200)
  })

  it('acquires a session, refreshes its tokens and ends it, never showing the reference token', async () => {
    const tokens = await client.acquireCookielessSession()
    expect(tokens.authentication_token).toBeTruthy()
    expect(JSON.stringify(tokens)).not.toContain('session_reference_token"')
    const fresh = await client.generateCookielessTokens(tokens)
    expect(fresh.navigation_token).toBeTruthy()
    expect(fresh.navigation_token).not.toBe(tokens.navigation_token)
    await client.endCookielessSession()
    const after = await client.acquireCookielessSession()
    expect(after.navigation_token).not.toBe(fresh.navigation_token) // a new session, not the ended one
  })
})

describe('models and explores', () => {
  it('lists the allowed models with their explores', async () => {
    const { data } = await client.models()
    const thelook = data.find((m) => m.name === 'thelook')
    expect(thelook?.label).toBe('The Look')
    expect(thelook?.explores.map((e) => e.name)).toEqual(expect.arrayContaining(['orders', 'order_items', 'products']))
  })

  it('describes an explore by its dimensions and measures', async () => {
    const { data } = await client.explore('thelook', 'orders')
    expect(data.name).toBe('orders')
    expect(data.dimensions.map((d) => d.name)).toContain('orders.status')
    expect(data.measures.map((m) => m.name)).toContain('orders.count')
  })

  it('says 404 for an explore the model does not have', async () => {
    await expect(client.explore('thelook', 'no_such_explore')).rejects.toMatchObject({ status: 404, code: 'not_found' })
  })
})

describe('renders (contract section 5)', () => {
  it('renders dashboard 1 to a real PDF, polled at the service\'s Retry-After, named after its title', async () => {
    const seen: string[] = []
    const { data, meta } = await client.runRender(
      { dashboard: '1', format: 'pdf', filters: { Status: 'complete' } },
      { onProgress: (p) => seen.push(p.status) },
    )
    const head = new TextDecoder().decode(new Uint8Array(await data.blob.arrayBuffer()).slice(0, 4))
    expect(head).toBe('%PDF')
    expect(data.filename).toBe('Business Pulse.pdf')
    expect(data.contentType).toBe('application/pdf')
    expect(meta.etag).toMatch(/^"/)
    expect(seen[0]).toBe('starting')
    expect(seen.at(-1)).toBe('success')
  })

  it('starts a render, reads its status and fetches its file step by step', async () => {
    const started = await client.startRender({ dashboard: '1', format: 'png', width: 640, height: 480 })
    expect(started.meta.status).toBe(202)
    expect(started.meta.location).toBe(`/api/renders/${started.data.id}`)
    expect(started.meta.retryAfter).not.toBeNull()
    let outcome = await client.renderFile(started.data.id)
    while (!outcome.done) {
      expect(['pending', 'rendering']).toContain(outcome.render.status)
      await new Promise((r) => setTimeout(r, 200))
      outcome = await client.renderFile(started.data.id)
    }
    const png = new Uint8Array(await outcome.result.data.blob.arrayBuffer())
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    expect(outcome.result.data.filename).toBe('Business Pulse.png')
    expect((await client.renderStatus(started.data.id)).data.status).toBe('success')
  })

  it('says 404 not_found for an unknown dashboard, before any render starts', async () => {
    const error = await client.runRender({ dashboard: '999' }).catch((e) => e)
    expect(error).toBeInstanceOf(ProblemError)
    expect(error).toMatchObject({ status: 404, code: 'not_found' })
  })

  it('reports a render Looker failed as a problem, with progress ending in failure', async () => {
    await emulator.fault({ operation: 'render_task_execution', status: 500 })
    const seen: string[] = []
    const error = await client
      .runRender({ dashboard: '1', format: 'jpg', width: 321 }, { onProgress: (p) => seen.push(p.status) })
      .catch((e) => e)
    expect(error).toBeInstanceOf(ProblemError)
    expect(error.status).toBe(502)
    expect(seen.at(-1)).toBe('failure')
  })

  it('stops waiting when the signal aborts', async () => {
    await emulator.fault({ operation: 'render_task_execution', hang: true })
    const controller = new AbortController()
    const running = client.runRender(
      { dashboard: '1', format: 'jpg', width: 322 },
      { signal: controller.signal, onProgress: (p) => p.id && controller.abort() },
    )
    await expect(running).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('signed embed URLs', () => {
  it('mints a one-time URL on the Looker host for the dashboard, a new one each time', async () => {
    const first = await client.embedDashboard(1, { Status: 'complete' })
    const url = new URL(first.data.url)
    expect(url.origin).toBe(new URL(emulatorUrl).origin)
    expect(url.pathname.startsWith('/login/embed/')).toBe(true)
    expect(decodeURIComponent(url.pathname)).toContain('/embed/dashboards/1?Status=complete')
    expect(first.data.session_length).toBeGreaterThan(0)
    expect((await client.embedDashboard(1)).data.url).not.toBe(first.data.url)
    // Looker opens it once, and refuses it after that.
    expect((await fetch(first.data.url)).status).toBe(200)
    expect((await fetch(first.data.url)).status).toBe(401)
  })

  it('says 404 not_found for an unknown dashboard', async () => {
    await expect(client.embedDashboard(999)).rejects.toMatchObject({ status: 404, code: 'not_found' })
  })
})
