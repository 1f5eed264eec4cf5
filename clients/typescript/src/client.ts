/** A small typed client of the Looker Proxy API, for browsers and Node 18+, on openapi-fetch. */
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import { unwrap, type RequestOptions } from './http.js'
import type { Result } from './meta.js'
import { runJob, type Progress, type RunOptions } from './poll.js'
import { renderMethods } from './renders.js'
import type { components, operations, paths } from './schema.js'

type Schemas = components['schemas']
export type QueryRequest = Schemas['QueryRequest']
export type Dashboard = Schemas['Dashboard']
export type DashboardData = Schemas['DashboardData']
export type Task = Schemas['Task']
export type TaskStatus = Task['status']
export type MetricSummary = Schemas['MetricSummary']
export type MetricSeries = Schemas['MetricSeries']
export type LookmlModel = Schemas['LookmlModel']
export type Explore = Schemas['Explore']
export type EmbedUrl = Schemas['EmbedUrl']
export type LookParams = NonNullable<operations['run_look']['parameters']['query']>
export type MetricParams = NonNullable<operations['get_metric']['parameters']['query']>
/** One row of a `json` result: field name to value. */
export type Row = Record<string, string | number | boolean | null>

/** What `@looker/embed-sdk`'s `initCookieless` expects from its acquire call (the reference token stays on the server). */
export type CookielessSession = Schemas['CookielessSession']
/** What its generate call expects; a `session_reference_token_ttl` of 0 means the session has ended. */
export type CookielessTokens = Schemas['CookielessTokens']
/** Where the browser reaches Looker: `looker_host` is initCookieless's first argument. */
export type CookielessConfig = Schemas['CookielessConfig']

export type Credential = string | null | undefined
export interface ClientOptions {
  /** Where the service is, e.g. `https://proxy.acme.com`; empty for the page's own origin. */
  baseUrl?: string
  /** A fixed API key, sent as `Authorization: Bearer`. */
  apiKey?: string
  /** Called before every request (e.g. to refresh a JWT); its answer is sent as `Authorization: Bearer`. */
  getToken?: () => Credential | Promise<Credential>
  /** The fetch to use (tests, or a Node fetch with an agent). */
  fetch?: typeof fetch
  /** The browser HTTP cache mode for every request; `no-cache` revalidates each view with the ETag. */
  cache?: RequestCache
  headers?: Record<string, string>
}

export interface CallOptions {
  signal?: AbortSignal
  cache?: RequestCache
  headers?: Record<string, string>
  /** Let the request outlive the page (used for the DELETE that ends a task on unload). */
  keepalive?: boolean
}

export type TaskProgress = Progress<TaskStatus>

export interface RunTaskOptions extends CallOptions, RunOptions<TaskStatus> {}

export type TaskOutcome<T> = { done: false; task: Task; retryAfter: number | null } | { done: true; result: Result<T> }

const JSON_FORMATS = new Set(['json', 'json_bi', 'json_detail'])
const BINARY_FORMATS = new Set(['xlsx', 'png', 'jpg'])

function parseAsFor(format: string | null | undefined): 'json' | 'text' | 'blob' {
  if (!format || JSON_FORMATS.has(format)) return 'json'
  return BINARY_FORMATS.has(format) ? 'blob' : 'text'
}

/** Build a client; every method resolves to `{ data, meta }` or throws a `ProblemError`. */
export function createLookerProxyClient(options: ClientOptions = {}) {
  const api: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    fetch: options.fetch,
    headers: options.headers,
  })
  const auth: Middleware = {
    async onRequest({ request }) {
      const credential = options.apiKey ?? (await options.getToken?.())
      if (credential) request.headers.set('Authorization', `Bearer ${credential}`)
      return request
    },
  }
  api.use(auth)
  const init = (call?: CallOptions): RequestOptions => ({
    signal: call?.signal,
    cache: call?.cache ?? options.cache,
    headers: call?.headers,
    keepalive: call?.keepalive,
  })

  const client = {
    /** The underlying openapi-fetch client, for endpoints this wrapper does not name. */
    api,

    /** Run a governed query (POST /api/query); rows for JSON formats, text for the others. */
    query<T = Row[]>(body: QueryRequest, call?: CallOptions): Promise<Result<T>> {
      return unwrap<T>(api.POST('/api/query', { body, parseAs: parseAsFor(body.format), ...init(call) }), call?.signal)
    },

    /** Run a saved Look; a Blob for xlsx, png and jpg. */
    look<T = Row[]>(id: number, params: LookParams = {}, call?: CallOptions): Promise<Result<T>> {
      return unwrap<T>(
        api.GET('/api/looks/{look_id}', {
          params: { path: { look_id: id }, query: params },
          parseAs: parseAsFor(params.format),
          ...init(call),
        }),
        call?.signal,
      )
    },

    /** Describe a dashboard: tiles, their queries and its filters. */
    dashboard(id: string | number, call?: CallOptions): Promise<Result<Dashboard>> {
      return unwrap(
        api.GET('/api/dashboards/{dashboard_id}', { params: { path: { dashboard_id: String(id) } }, ...init(call) }),
        call?.signal,
      )
    },

    /** Run every tile of a dashboard with the given dashboard filter values (by filter name). */
    dashboardData(id: string | number, filters: Record<string, string> = {}, call?: CallOptions) {
      return unwrap<DashboardData>(
        api.GET('/api/dashboards/{dashboard_id}/data', {
          params: { path: { dashboard_id: String(id) }, query: filters as never },
          ...init(call),
        }),
        call?.signal,
      )
    },

    /** List the models and explores this caller may use. */
    models(call?: CallOptions): Promise<Result<LookmlModel[]>> {
      return unwrap(api.GET('/api/models', init(call)), call?.signal)
    },

    /** Describe one explore's dimensions and measures. */
    explore(model: string, explore: string, call?: CallOptions): Promise<Result<Explore>> {
      return unwrap(
        api.GET('/api/models/{model}/explores/{explore}', { params: { path: { model, explore } }, ...init(call) }),
        call?.signal,
      )
    },

    /** List the named metrics. */
    metrics(call?: CallOptions): Promise<Result<MetricSummary[]>> {
      return unwrap(api.GET('/api/metrics', init(call)), call?.signal)
    },

    /** Return a named metric for every period of a date range. */
    metric(name: string, params: MetricParams = {}, call?: CallOptions): Promise<Result<MetricSeries>> {
      return unwrap(
        api.GET('/api/metrics/{name}', { params: { path: { name }, query: params }, ...init(call) }),
        call?.signal,
      )
    },

    /** Start a query as a task (202); poll it with queryTaskResults, or use runQueryTask. */
    startQueryTask(body: QueryRequest, call?: CallOptions): Promise<Result<Task>> {
      return unwrap(api.POST('/api/query_tasks', { body, ...init(call) }), call?.signal)
    },

    /** Return a task's status. */
    queryTask(id: string, call?: CallOptions): Promise<Result<Task>> {
      return unwrap(api.GET('/api/query_tasks/{task_id}', { params: { path: { task_id: id } }, ...init(call) }), call?.signal)
    },

    /** Fetch a task's result: done with the rows, or not yet with the wait the service asked for. */
    async queryTaskResults<T = Row[]>(id: string, call?: CallOptions): Promise<TaskOutcome<T>> {
      const result = await unwrap<unknown>(
        api.GET('/api/query_tasks/{task_id}/results', { params: { path: { task_id: id } }, ...init(call) }),
        call?.signal,
      )
      if (result.meta.status === 202) {
        return { done: false, task: result.data as Task, retryAfter: result.meta.retryAfter }
      }
      return { done: true, result: result as Result<T> }
    },

    /** Kill a task in Looker (204). */
    async cancelQueryTask(id: string, call?: CallOptions): Promise<void> {
      await unwrap(api.DELETE('/api/query_tasks/{task_id}', { params: { path: { task_id: id } }, ...init(call) }))
    },

    /** Start a task, poll it at its Retry-After until done, and kill it in Looker if the signal aborts first. */
    async runQueryTask<T = Row[]>(body: QueryRequest, call: RunTaskOptions = {}): Promise<Result<T>> {
      return runJob<TaskStatus, T>(
        {
          start: () => client.startQueryTask(body, call),
          ready: 'complete', // a result already in the service's cache completes at once
          poll: async (id) => {
            const outcome = await client.queryTaskResults<T>(id, call)
            return outcome.done ? outcome : { done: false, status: outcome.task.status, retryAfter: outcome.retryAfter }
          },
          stoppedAs: (aborted) => (aborted ? 'killed' : null),
          // The caller gave up: stop Looker's work too. The signal is spent, so this DELETE goes without it.
          abandon: (id) => client.cancelQueryTask(id, { keepalive: true, headers: call.headers }).catch(() => undefined),
        },
        call,
      )
    },

    ...renderMethods(api, init),

    /** Mint a one-time signed embed URL for a dashboard: for one IFRAME, once, soon (never cache it). */
    embedDashboard(id: string | number, filters?: Record<string, string>, call?: CallOptions): Promise<Result<EmbedUrl>> {
      return unwrap(
        api.POST('/api/embed/dashboards/{dashboard_id}', {
          params: { path: { dashboard_id: String(id) } },
          body: filters ? { filters } : {},
          ...init(call),
        } as never),
        call?.signal,
      )
    },

    /** Say which Looker host to embed from (the `host` argument of initCookieless). */
    cookielessConfig(call?: CallOptions): Promise<Result<CookielessConfig>> {
      return unwrap(api.GET('/api/embed/cookieless/config', init(call)), call?.signal)
    },

    /** Start (or join) this caller's cookieless embed session; the shape `initCookieless` wants from acquire. */
    async acquireCookielessSession(call?: CallOptions): Promise<CookielessSession> {
      return (await unwrap<CookielessSession>(api.GET('/api/embed/cookieless/acquire', init(call)), call?.signal)).data
    },

    /** Refresh the session's navigation and API tokens, as `initCookieless`'s generate step does. */
    async generateCookielessTokens(
      tokens: { api_token?: string | null; navigation_token?: string | null },
      call?: CallOptions,
    ): Promise<CookielessTokens> {
      const body = { api_token: tokens.api_token ?? '', navigation_token: tokens.navigation_token ?? '' }
      return (await unwrap<CookielessTokens>(api.PUT('/api/embed/cookieless/tokens', { body, ...init(call) }), call?.signal)).data
    },

    /** End this caller's cookieless embed session in Looker (204). */
    async endCookielessSession(call?: CallOptions): Promise<void> {
      await unwrap(api.DELETE('/api/embed/cookieless/session', init(call)), call?.signal)
    },
  }
  return client
}

export type LookerProxyClient = ReturnType<typeof createLookerProxyClient>
