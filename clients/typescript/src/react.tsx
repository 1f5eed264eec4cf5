/** React hooks on TanStack Query v5: every key starts with the caller, so one user never sees another's data. */
import {
  useQueryClient,
  useQuery as useTanstackQuery,
  type QueryKey,
  type UseQueryOptions,
  type UseQueryResult,
} from '@tanstack/react-query'
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { LookerProxyClient, LookParams, MetricParams, QueryRequest, Row, TaskProgress } from './client.js'
import type { Result } from './meta.js'
import { ProblemError } from './problem.js'

interface Connection {
  client: LookerProxyClient
  caller: string
}

const ConnectionContext = createContext<Connection | null>(null)
const ROOT = 'looker-proxy'

/** Query keys of this package, for invalidation: `queryClient.invalidateQueries({ queryKey: lookerProxyKeys.caller(id) })`. */
export const lookerProxyKeys = {
  caller: (caller: string) => [ROOT, caller] as const,
  query: (caller: string, body: QueryRequest) => [ROOT, caller, 'query', body] as const,
  look: (caller: string, id: number, params: LookParams) => [ROOT, caller, 'look', id, params] as const,
  dashboard: (caller: string, id: string) => [ROOT, caller, 'dashboard', id] as const,
  dashboardData: (caller: string, id: string, filters: Record<string, string>) =>
    [ROOT, caller, 'dashboard-data', id, filters] as const,
  metrics: (caller: string) => [ROOT, caller, 'metrics'] as const,
  metric: (caller: string, name: string, params: MetricParams) => [ROOT, caller, 'metric', name, params] as const,
  queryTask: (caller: string, body: QueryRequest) => [ROOT, caller, 'query-task', body] as const,
}

export interface LookerProxyProviderProps {
  client: LookerProxyClient
  /** Who is calling: the JWT subject, the API key's label, any id that changes when the user does. */
  caller: string
  children?: ReactNode
}

/** Give the hooks below a client and the caller's id; when the caller changes, the previous caller's results are dropped. */
export function LookerProxyProvider({ client, caller, children }: LookerProxyProviderProps) {
  const queryClient = useQueryClient()
  const previous = useRef(caller)
  useEffect(() => {
    if (previous.current !== caller) {
      queryClient.removeQueries({ queryKey: lookerProxyKeys.caller(previous.current) })
      previous.current = caller
    }
  }, [caller, queryClient])
  const value = useMemo(() => ({ client, caller }), [client, caller])
  return <ConnectionContext.Provider value={value}>{children}</ConnectionContext.Provider>
}

/** Return the provider's client and caller. */
export function useLookerProxy(): Connection {
  const connection = useContext(ConnectionContext)
  if (!connection) throw new Error('looker-proxy-client hooks need a <LookerProxyProvider> above them')
  return connection
}

export type HookOptions<T> = Omit<UseQueryOptions<Result<T>, ProblemError, Result<T>, QueryKey>, 'queryKey' | 'queryFn'>

/** Retry what may pass on its own (network, 5xx, 429) twice; a 4xx answer will not change. */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (!(error instanceof ProblemError)) return failures < 2
  return (error.status === 0 || error.status === 429 || error.status >= 500) && failures < 2
}

function retryDelay(failures: number, error: unknown): number {
  if (error instanceof ProblemError && error.retryAfter !== null) return error.retryAfter * 1000
  return Math.min(1000 * 2 ** failures, 10_000)
}

function useProxyQuery<T>(
  caller: string,
  key: QueryKey,
  fetcher: (signal: AbortSignal) => Promise<Result<T>>,
  options?: HookOptions<T>,
): UseQueryResult<Result<T>, ProblemError> {
  return useTanstackQuery<Result<T>, ProblemError, Result<T>, QueryKey>({
    retry: shouldRetry,
    retryDelay,
    // Keep the last answer on screen while new filters load, but only if it was this caller's.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === caller ? previous : undefined),
    ...options,
    queryKey: key,
    queryFn: ({ signal }) => fetcher(signal),
  })
}

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
