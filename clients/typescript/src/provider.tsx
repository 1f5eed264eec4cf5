/** The hooks' shared ground: the provider of client and caller, the caller-first keys, and how queries retry. */
import {
  useQueryClient,
  useQuery as useTanstackQuery,
  type QueryKey,
  type UseQueryOptions,
  type UseQueryResult,
} from '@tanstack/react-query'
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react'
import type { LookerProxyClient, LookParams, MetricParams, QueryRequest } from './client.js'
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
  models: (caller: string) => [ROOT, caller, 'models'] as const,
  explore: (caller: string, model: string, explore: string) => [ROOT, caller, 'explore', model, explore] as const,
  metrics: (caller: string) => [ROOT, caller, 'metrics'] as const,
  metric: (caller: string, name: string, params: MetricParams) => [ROOT, caller, 'metric', name, params] as const,
  queryTask: (caller: string, body: QueryRequest) => [ROOT, caller, 'query-task', body] as const,
  /** One key per mounted hook (`mount`), since a signed URL may be loaded only once. */
  embedDashboard: (caller: string, id: string, filters: Record<string, string>, mount: string) =>
    [ROOT, caller, 'embed-dashboard', id, filters, mount] as const,
  /** The mutation key of useRender. */
  render: (caller: string) => [ROOT, caller, 'render'] as const,
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
      const gone = lookerProxyKeys.caller(previous.current)
      queryClient.removeQueries({ queryKey: gone })
      // Renders are mutations: their files are the previous caller's too.
      const mutations = queryClient.getMutationCache()
      for (const mutation of mutations.findAll({ mutationKey: gone })) mutations.remove(mutation)
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

/** Run one of the package's queries: caller-first key, the retry rules above, the last answer kept only for its caller. */
export function useProxyQuery<T>(
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
