// Reading the service's headers (cache, waits, file names), without a server.
import { describe, expect, it } from 'vitest'
import { parseRetryAfter, readMeta } from '../../src/index.js'
import { filenameOf } from '../../src/renders.js'

const now = new Date('2026-12-01T12:00:00Z')
const meta = (headers: Record<string, string>, status = 200) => readMeta(new Response(null, { status, headers }), now)

describe('readMeta', () => {
  it.each([
    ['a hit is as old as its Age', { 'X-Cache': 'HIT', Age: '90' }, '2026-12-01T11:58:30.000Z'],
    ['a miss was made just now', { 'X-Cache': 'MISS' }, '2026-12-01T12:00:00.000Z'],
    ['a bypass was made just now', { 'X-Cache': 'BYPASS', Age: '0' }, '2026-12-01T12:00:00.000Z'],
    ['without cache headers nothing is known', {}, null],
  ])('%s', (_, headers, asOf) => {
    expect(meta(headers).asOf?.toISOString() ?? null).toBe(asOf)
  })

  it('reads ttl from Cache-Status and flags stale answers', () => {
    const stale = meta({ 'X-Cache': 'STALE', 'Cache-Status': 'looker-proxy; hit; fwd=stale; ttl=-20', Age: '3620' })
    expect(stale).toMatchObject({ cache: 'STALE', ttl: -20, stale: true, age: 3620 })
    expect(meta({ 'Cache-Status': 'looker-proxy; hit; ttl=1200' })).toMatchObject({ ttl: 1200, stale: false })
  })

  it('passes ETag, request id and Location through', () => {
    expect(meta({ ETag: '"abc"', 'X-Request-ID': 'r1', Location: '/api/query_tasks/t' }, 202)).toMatchObject({
      status: 202,
      etag: '"abc"',
      requestId: 'r1',
      location: '/api/query_tasks/t',
    })
  })
})

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3],
    ['0', 0],
    ['Tue, 01 Dec 2026 12:00:05 GMT', 5],
    ['', null],
    ['soon', null],
  ])('%j is %j seconds', (value, seconds) => {
    expect(parseRetryAfter(value, now.getTime())).toBe(seconds)
  })
})

describe('filenameOf (Content-Disposition)', () => {
  it.each([
    ['attachment; filename="Business Pulse.pdf"', 'Business Pulse.pdf'],
    [`attachment; filename="Cafe.pdf"; filename*=UTF-8''Caf%C3%A9.pdf`, 'Café.pdf'],
    [`attachment; filename*=utf-8'en'Q%33.png; filename="Q3.png"`, 'Q3.png'],
    ['attachment; filename=plain.jpg', 'plain.jpg'],
    ['attachment; filename="say \\"hi\\".pdf"', 'say "hi".pdf'],
    [`attachment; filename="fallback.pdf"; filename*=UTF-8''%E0%A4%A.pdf`, 'fallback.pdf'],
    ['attachment', null],
    [null, null],
  ])('%j names %j', (header, name) => {
    expect(filenameOf(header)).toBe(name)
  })
})
