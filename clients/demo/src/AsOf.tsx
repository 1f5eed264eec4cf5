import type { ResultMeta } from 'looker-proxy-client'

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** Say how old a result is, from the service's Age and cache headers. */
export function AsOf({ meta }: { meta: ResultMeta | undefined }) {
  if (!meta) return null
  const when = meta.asOf ?? meta.receivedAt
  const label = meta.asOf ? 'data as of' : 'fetched at'
  return (
    <small className="as-of" data-cache={meta.cache ?? ''} data-age={meta.age ?? ''}>
      {label} {time.format(when)}
      {meta.cache && ` · ${meta.cache.toLowerCase()}`}
      {meta.stale && ' · stale: Looker is failing'}
    </small>
  )
}

/** Show a problem's detail and request id. */
export function ProblemNote({ error }: { error: { detail?: string; message: string; request_id?: string | null } | null }) {
  if (!error) return null
  return (
    <p className="problem" role="alert">
      {error.detail ?? error.message}
      {error.request_id && <small> (request {error.request_id})</small>}
    </p>
  )
}
