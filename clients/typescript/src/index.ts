/** looker-proxy-client: typed calls to the Looker Proxy API. React hooks live in `looker-proxy-client/react`. */
export { createLookerProxyClient } from './client.js'
export type * from './client.js'
export type * from './renders.js'
export { readMeta } from './meta.js'
export type { CacheOutcome, Result, ResultMeta } from './meta.js'
export { ProblemError, parseRetryAfter } from './problem.js'
export type { FieldError, Problem } from './problem.js'
export type { components, operations, paths } from './schema.js'
