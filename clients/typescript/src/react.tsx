/**
 * React hooks on TanStack Query v5: every key starts with the caller, so one user never sees another's data.
 * This module is the package's `looker-proxy-client/react` entry.
 */
import { useQueryClient, type QueryKey, type UseQueryResult } from '@tanstack/react-query'
import { useCallback, useId, useState } from 'react'
import type { EmbedUrl, Explore, LookerProxyClient, LookmlModel, LookParams, MetricParams, QueryRequest, Row, TaskProgress } from './client.js'
import type { Result } from './meta.js'
import type { ProblemError } from './problem.js'
import { lookerProxyKeys, useLookerProxy, useProxyQuery, type HookOptions } from './provider.js'

export { LookerProxyProvider, lookerProxyKeys, shouldRetry, useLookerProxy } from './provider.js'
export type { HookOptions, LookerProxyProviderProps } from './provider.js'
export { useRender } from './useRender.js'
export type { RenderHookResult } from './useRender.js'

/** Run a governed query (POST /api/query). */
export function useQuery<T = Row[]>(body: QueryRequest, options?: HookOptions<T>) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery<T>(caller, lookerProxyKeys.query(caller, body), (signal) => client.query<T>(body, { signal }), options)
}

/** Run a saved Look. */
export function useLook<T = Row[]>(id: number, params: LookParams = {}, options?: HookOptions<T>) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery<T>(caller, lookerProxyKeys.look(caller, id, params), (signal) => client.look<T>(id, params, { signal }), options)
}

/** Describe a dashboard (tiles and filters). */
export function useDashboard(id: string | number, options?: HookOptions<Awaited<ReturnType<LookerProxyClient['dashboard']>>['data']>) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery(caller, lookerProxyKeys.dashboard(caller, String(id)), (signal) => client.dashboard(id, { signal }), options)
}

/** Run every tile of a dashboard with the given filter values. */
export function useDashboardData(
  id: string | number,
  filters: Record<string, string> = {},
  options?: HookOptions<Awaited<ReturnType<LookerProxyClient['dashboardData']>>['data']>,
) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery(
    caller,
    lookerProxyKeys.dashboardData(caller, String(id), filters),
    (signal) => client.dashboardData(id, filters, { signal }),
    options,
  )
}

/** List the models this caller may use, each with its explores. */
export function useModels(options?: HookOptions<LookmlModel[]>) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery(caller, lookerProxyKeys.models(caller), (signal) => client.models({ signal }), options)
}

/** Describe one explore: its dimensions and measures. */
export function useExplore(model: string, explore: string, options?: HookOptions<Explore>) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery(
    caller,
    lookerProxyKeys.explore(caller, model, explore),
    (signal) => client.explore(model, explore, { signal }),
    options,
  )
}

/** List the named metrics. */
export function useMetrics(options?: HookOptions<Awaited<ReturnType<LookerProxyClient['metrics']>>['data']>) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery(caller, lookerProxyKeys.metrics(caller), (signal) => client.metrics({ signal }), options)
}

/** Return a named metric over a date range. */
export function useMetric(
  name: string,
  params: MetricParams = {},
  options?: HookOptions<Awaited<ReturnType<LookerProxyClient['metric']>>['data']>,
) {
  const { client, caller } = useLookerProxy()
  return useProxyQuery(caller, lookerProxyKeys.metric(caller, name, params), (signal) => client.metric(name, params, { signal }), options)
}

export type QueryTaskResult<T> = UseQueryResult<Result<T>, ProblemError> & {
  /** The task's id, status and poll count while it runs (status `killed` once cancelled). */
  progress: TaskProgress | null
  /** Stop waiting and kill the task in Looker. */
  cancel: () => Promise<void>
}

/**
 * Run a query as a task (POST /api/query_tasks), polled at each 202's Retry-After. Unmounting, `cancel()`
 * or TanStack's own cancellation aborts the wait and DELETEs the task, so Looker stops working on it.
 */
export function useQueryTask<T = Row[]>(body: QueryRequest, options?: HookOptions<T>): QueryTaskResult<T> {
  const { client, caller } = useLookerProxy()
  const queryClient = useQueryClient()
  const [progress, setProgress] = useState<TaskProgress | null>(null)
  const key = lookerProxyKeys.queryTask(caller, body)
  const query = useProxyQuery<T>(
    caller,
    key,
    (signal) => client.runQueryTask<T>(body, { signal, onProgress: setProgress }),
    {
      retry: false,
      refetchOnWindowFocus: false,
      refetchOnReconnect: false,
      staleTime: Number.POSITIVE_INFINITY,
      placeholderData: undefined,
      ...options,
    },
  )
  const keyText = JSON.stringify(key)
  const cancel = useCallback(
    () => queryClient.cancelQueries({ queryKey: JSON.parse(keyText) as QueryKey }),
    [queryClient, keyText],
  )
  return Object.assign(query, { progress, cancel })
}

/** What a signed URL may not be given: anything that would keep it, share it or fetch it again on its own. */
export type EmbedUrlOptions = Omit<
  HookOptions<EmbedUrl>,
  'staleTime' | 'gcTime' | 'refetchOnMount' | 'refetchOnWindowFocus' | 'refetchOnReconnect' | 'refetchInterval' | 'placeholderData' | 'initialData'
>

// A signed embed URL works once and not for long: never refetched behind the IFRAME's back (focus, reconnect,
// an interval), never kept once its component is gone (gcTime 0), so a remount mints a new one.
const SINGLE_USE = {
  staleTime: Number.POSITIVE_INFINITY,
  gcTime: 0,
  refetchOnMount: false,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
  refetchInterval: false,
  placeholderData: undefined,
} as const

/**
 * Mint a one-time signed embed URL of a dashboard for this caller (POST /api/embed/dashboards/<id>). Each mounted
 * hook gets its own URL, minted once; `refetch()` mints another (say, after the IFRAME failed to load).
 */
export function useEmbedUrl(
  dashboardId: string | number,
  filters: Record<string, string> = {},
  options?: EmbedUrlOptions,
): UseQueryResult<Result<EmbedUrl>, ProblemError> {
  const { client, caller } = useLookerProxy()
  const mount = useId() // distinct for each mount, so two IFRAMEs never share a URL
  return useProxyQuery(
    caller,
    lookerProxyKeys.embedDashboard(caller, String(dashboardId), filters, mount),
    (signal) => client.embedDashboard(dashboardId, filters, { signal }),
    { ...options, ...SINGLE_USE },
  )
}
