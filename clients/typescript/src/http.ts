/** How one openapi-fetch call becomes `{ data, meta }` or a ProblemError, and the waits between polls. */
import { readMeta, type Result } from './meta.js'
import { ProblemError } from './problem.js'

/** What openapi-fetch resolves to. */
export interface Outcome {
  data?: unknown
  error?: unknown
  response: Response
}

/** What every request of the client carries besides its path, body and parsing (a type, so openapi-fetch may index it). */
export type RequestOptions = {
  signal?: AbortSignal
  cache?: RequestCache
  headers?: Record<string, string>
  keepalive?: boolean
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError'
}

/** Settle a call: its body and metadata, plus the response for the headers `meta` does not carry. */
export async function settle<T>(call: Promise<Outcome>, signal?: AbortSignal): Promise<Result<T> & { response: Response }> {
  let outcome: Outcome
  try {
    outcome = await call
  } catch (error) {
    if (isAbort(error) || signal?.aborted) throw error
    throw ProblemError.network(error)
  }
  const { response } = outcome
  // A 304 only reaches code that sent If-None-Match itself (a browser's HTTP cache answers its own): no body.
  if (response.status === 304) return { data: undefined as T, meta: readMeta(response), response }
  if (!response.ok) throw ProblemError.fromResponse(response, outcome.error)
  return { data: outcome.data as T, meta: readMeta(response), response }
}

/** Settle a call into `{ data, meta }`. */
export async function unwrap<T>(call: Promise<Outcome>, signal?: AbortSignal): Promise<Result<T>> {
  const { data, meta } = await settle<T>(call, signal)
  return { data, meta }
}

/** Wait this many seconds, or reject with the signal's reason as soon as it aborts. */
export function sleep(seconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, seconds * 1000)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
