/** What the service says about a result besides its body: cache outcome, age, ETag, request id. */
import { parseRetryAfter } from './problem.js'

export type CacheOutcome = 'HIT' | 'MISS' | 'STALE' | 'COALESCED' | 'BYPASS'

export interface ResultMeta {
  status: number
  /** The strong ETag of a cached result; the browser's HTTP cache revalidates with it on its own. */
  etag: string | null
  /** X-Cache as sent, null for answers that do not go through the result cache. */
  cache: CacheOutcome | null
  /** Cache-Status (RFC 9211) as sent, e.g. `looker-proxy; hit; ttl=1200`. */
  cacheStatus: string | null
  /** Seconds the result had been stored when it was sent. */
  age: number | null
  /** Seconds it stays fresh in the service's cache, from Cache-Status's ttl. */
  ttl: number | null
  /** True when the service answered from an expired entry (Looker failing, or stale-while-revalidate). */
  stale: boolean
  /** When Looker produced this result, as far as the service's headers tell; null when they do not. */
  asOf: Date | null
  receivedAt: Date
  requestId: string | null
  retryAfter: number | null
  location: string | null
}

export interface Result<T> {
  data: T
  meta: ResultMeta
}

const OUTCOMES = new Set(['HIT', 'MISS', 'STALE', 'COALESCED', 'BYPASS'])

/** Read the result metadata from a response's headers (cross-origin callers need them exposed by CORS). */
export function readMeta(response: Response, now: Date = new Date()): ResultMeta {
  const headers = response.headers
  const xCache = headers.get('X-Cache')?.trim().toUpperCase() ?? null
  const cacheStatus = headers.get('Cache-Status')
  const ageHeader = headers.get('Age')
  const age = ageHeader !== null && /^\d+$/.test(ageHeader.trim()) ? Number(ageHeader) : null
  const ttlMatch = cacheStatus ? /;\s*ttl=(-?\d+)/.exec(cacheStatus) : null
  const stale = xCache === 'STALE' || /fwd=stale/.test(cacheStatus ?? '')
  // A miss or bypass was just asked of Looker; a hit or stale entry is as old as its Age says.
  let asOf: Date | null = null
  if (age !== null) asOf = new Date(now.getTime() - age * 1000)
  else if (xCache === 'MISS' || xCache === 'BYPASS' || xCache === 'COALESCED') asOf = now
  return {
    status: response.status,
    etag: headers.get('ETag'),
    cache: xCache && OUTCOMES.has(xCache) ? (xCache as CacheOutcome) : null,
    cacheStatus,
    age,
    ttl: ttlMatch ? Number(ttlMatch[1]) : null,
    stale,
    asOf,
    receivedAt: now,
    requestId: headers.get('X-Request-ID'),
    retryAfter: parseRetryAfter(headers.get('Retry-After'), now.getTime()),
    location: headers.get('Location'),
  }
}
