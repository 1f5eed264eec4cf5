/** useRender: a dashboard as a PDF, PNG or JPG on demand, with its progress, its Blob and an object URL for it. */
import { useMutation } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { Result } from './meta.js'
import type { ProblemError } from './problem.js'
import { lookerProxyKeys, useLookerProxy } from './provider.js'
import type { DashboardRenderOptions, RenderFile, RenderProgress, RenderRequest } from './renders.js'

interface RenderRun {
  caller: string
  body: RenderRequest
  signal: AbortSignal
  onProgress: (progress: RenderProgress) => void
}

export interface RenderHookResult {
  /**
   * Render a dashboard. Resolves to the file, or to undefined when the render failed (see `error`), was
   * cancelled, or was replaced by a newer `start`; it never rejects, so it can be called from an event handler.
   */
  start: (dashboardId: string | number, options?: DashboardRenderOptions) => Promise<RenderFile | undefined>
  /** Stop waiting and forget the render (Looker finishes it; the next identical start joins it). */
  cancel: () => void
  /** Forget the result or the error, and revoke the object URL. */
  reset: () => void
  /** TanStack's mutation status; the service's render status is in `progress.status`. */
  status: 'idle' | 'pending' | 'success' | 'error'
  /** The render's id, status (`starting`, `pending`, `rendering`, `success`, `failure`) and poll count. */
  progress: RenderProgress | null
  /** The finished file with its `meta`. */
  data: Result<RenderFile> | undefined
  blob: Blob | null
  filename: string | null
  /** An object URL of the Blob (for `<a download>` or `<img>`), revoked on unmount, reset, cancel, the next render or a caller switch. */
  url: string | null
  error: ProblemError | null
  isIdle: boolean
  isPending: boolean
  isSuccess: boolean
  isError: boolean
}

/** Make, and revoke when it goes, an object URL for the Blob; null while there is none. */
function useObjectUrl(blob: Blob | null): string | null {
  const [link, setLink] = useState<{ blob: Blob; url: string } | null>(null)
  useEffect(() => {
    if (!blob) return
    const url = URL.createObjectURL(blob)
    setLink({ blob, url })
    return () => {
      URL.revokeObjectURL(url)
      setLink((current) => (current?.url === url ? null : current))
    }
  }, [blob])
  // Never hand out the URL of a Blob that is no longer shown: it is revoked, or about to be.
  return link && link.blob === blob ? link.url : null
}

/**
 * Render dashboards on demand (POST /api/renders, polled at the service's Retry-After). One render at a time:
 * a new `start` replaces the previous one. Unmounting stops the wait; the result belongs to the caller that
 * started it and is dropped when the provider's caller changes.
 */
export function useRender(): RenderHookResult {
  const { client, caller } = useLookerProxy()
  const [progress, setProgress] = useState<{ caller: string; value: RenderProgress } | null>(null)
  const running = useRef<AbortController | null>(null)
  const mutation = useMutation<Result<RenderFile>, ProblemError, RenderRun>({
    mutationKey: lookerProxyKeys.render(caller),
    mutationFn: ({ body, signal, onProgress }) => client.runRender(body, { signal, onProgress }),
    retry: false, // each try would be another render in Looker
    gcTime: 0, // a file is kept by the hook that asked for it, not by the cache
  })
  const { mutateAsync, reset: resetMutation } = mutation

  const stop = useCallback(() => {
    running.current?.abort()
    running.current = null
  }, [])

  const reset = useCallback(() => {
    stop()
    resetMutation()
    setProgress(null)
  }, [stop, resetMutation])

  const start = useCallback(
    (dashboardId: string | number, options: DashboardRenderOptions = {}) => {
      stop()
      const controller = new AbortController()
      running.current = controller
      setProgress(null)
      const run: RenderRun = {
        caller,
        body: { ...options, dashboard: String(dashboardId) } as RenderRequest,
        signal: controller.signal,
        onProgress: (value) => {
          if (running.current === controller) setProgress({ caller, value })
        },
      }
      return mutateAsync(run).then(
        (result) => result.data,
        () => undefined,
      )
    },
    [caller, mutateAsync, stop],
  )

  // A new caller must not see the previous caller's file, even for the one render before the effect below.
  const own = mutation.variables?.caller === caller
  const owner = useRef(caller)
  useEffect(() => {
    if (owner.current === caller) return
    owner.current = caller
    reset()
  }, [caller, reset])
  useEffect(() => stop, [stop])

  const data = own ? mutation.data : undefined
  const blob = data?.data?.blob ?? null
  const url = useObjectUrl(blob)
  const status = own ? mutation.status : 'idle'
  return {
    start,
    cancel: reset,
    reset,
    status,
    progress: progress?.caller === caller ? progress.value : null,
    data,
    blob,
    filename: data?.data?.filename ?? null,
    url,
    error: own ? mutation.error : null,
    isIdle: status === 'idle',
    isPending: status === 'pending',
    isSuccess: status === 'success',
    isError: status === 'error',
  }
}
