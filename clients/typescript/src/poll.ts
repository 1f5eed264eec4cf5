/** Running a long job of the service to its end: start it, poll at each Retry-After, report progress. */
import { sleep } from './http.js'
import type { Result } from './meta.js'

/** Where a job (a query task, a render) stands, as given to `onProgress`. */
export interface Progress<S> {
  id: string | null
  status: S | 'starting'
  polls: number
  startedAt: Date
}

export interface RunOptions<S> {
  signal?: AbortSignal
  onProgress?: (progress: Progress<S>) => void
  /** Wait used when a 202 carries no Retry-After, in seconds. */
  defaultRetryAfter?: number
}

/** One poll's answer: the job's status and how long to wait, or its result. */
export type Step<S, R> = { done: false; status: S; retryAfter: number | null } | { done: true; result: Result<R> }

export interface Job<S, R> {
  start: () => Promise<Result<{ id: string; status: S }>>
  /** The status a job starts in when its result is already there: ask for it without waiting. */
  ready: S
  poll: (id: string) => Promise<Step<S, R>>
  /** The status shown when the run stops on an error, by whether the caller aborted it; null shows none. */
  stoppedAs: (aborted: boolean) => S | null
  /** Called once the caller aborted: stop the service's work, where it can be stopped. */
  abandon?: (id: string) => Promise<void>
}

/** Start `job`, poll it at each Retry-After, and resolve to its result; aborting the signal stops the wait. */
export async function runJob<S, R>(job: Job<S, R>, call: RunOptions<S>): Promise<Result<R>> {
  const { signal, onProgress } = call
  const progress: Progress<S> = { id: null, status: 'starting', polls: 0, startedAt: new Date() }
  const report = () => onProgress?.({ ...progress })
  report()
  const started = await job.start()
  const id = started.data.id
  progress.id = id
  progress.status = started.data.status
  report()
  let wait = started.data.status === job.ready ? 0 : (started.meta.retryAfter ?? call.defaultRetryAfter ?? 1)
  try {
    for (;;) {
      await sleep(wait, signal)
      const step = await job.poll(id)
      progress.polls += 1
      if (step.done) {
        progress.status = job.ready
        report()
        return step.result
      }
      progress.status = step.status
      report()
      wait = step.retryAfter ?? call.defaultRetryAfter ?? 1
    }
  } catch (error) {
    const aborted = Boolean(signal?.aborted)
    const status = job.stoppedAs(aborted)
    if (status !== null) {
      progress.status = status
      report()
    }
    if (aborted) await job.abandon?.(id)
    throw error
  }
}
