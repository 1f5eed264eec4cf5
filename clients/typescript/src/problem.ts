/** The service's one error shape (RFC 9457 problem+json), thrown by every client call that does not succeed. */
import type { components } from './schema.js'

export type Problem = components['schemas']['Problem']
export type FieldError = components['schemas']['FieldError']

/** An error answer from the service, or a failure to reach it, carrying the problem's fields. */
export class ProblemError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly type: string
  readonly detail: string
  readonly errors: FieldError[]
  readonly request_id: string | null
  /** Seconds the service asked us to wait (429, 503), when it said. */
  readonly retryAfter: number | null

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title)
    this.name = 'ProblemError'
    this.status = problem.status
    this.code = problem.code
    this.title = problem.title
    this.type = problem.type
    this.detail = problem.detail
    this.errors = problem.errors ?? []
    this.request_id = problem.request_id
    this.retryAfter = retryAfter
  }

  /** Build the error for a response whose body may or may not be a problem (a proxy in between may send HTML). */
  static fromResponse(response: Response, body: unknown): ProblemError {
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After'))
    if (isProblem(body)) return new ProblemError(body, retryAfter)
    return new ProblemError(
      {
        type: 'about:blank',
        title: response.statusText || 'HTTP error',
        status: response.status,
        detail: `The service answered ${response.status} without a problem body.`,
        code: 'http_error',
        request_id: response.headers.get('X-Request-ID'),
        errors: null,
      },
      retryAfter,
    )
  }

  /** Build the error for a request that never got an answer (offline, DNS, CORS refused). */
  static network(cause: unknown): ProblemError {
    const error = new ProblemError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: cause instanceof Error ? cause.message : String(cause),
      code: 'network_error',
      request_id: null,
      errors: null,
    })
    ;(error as { cause?: unknown }).cause = cause
    return error
  }
}

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).status === 'number' &&
    typeof (body as Problem).code === 'string'
  )
}

/** Read Retry-After as seconds: a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, (date - now) / 1000)
}
