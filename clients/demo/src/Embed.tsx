import { getEmbedSDK } from '@looker/embed-sdk'
import { ProblemError } from 'looker-proxy-client'
import { useLookerProxy } from 'looker-proxy-client/react'
import { useEffect, useRef, useState } from 'react'
import { credentials } from './credentials'
import { embedPlain } from './plainEmbed'

type Stage = 'starting' | 'acquiring' | 'loading' | 'connected' | 'expired' | 'failed'

/**
 * A dashboard embedded through the service's cookieless endpoints; the session token never reaches this page.
 * The service names the Looker to embed from (GET /api/embed/cookieless/config). An https Looker (any real
 * one) is driven by `@looker/embed-sdk`; a plain-http one (the bundled emulator) by plainEmbed.ts, which
 * speaks the same protocol, since the SDK only opens https. `?embed=sdk` forces the SDK.
 */
export function Embed({ dashboardId }: { dashboardId: number }) {
  const { client, caller } = useLookerProxy()
  const container = useRef<HTMLDivElement>(null)
  const [stage, setStage] = useState<Stage>('starting')
  const [driver, setDriver] = useState('')
  const [refreshes, setRefreshes] = useState(0)
  const [problem, setProblem] = useState('')
  useEffect(() => {
    const target = container.current
    if (!target) return
    let live = true
    let takeDown = () => target.replaceChildren()
    const fail = (error: unknown) => {
      if (!live) return
      if (error instanceof ProblemError && error.status === 401) credentials.demand()
      setStage('failed')
      setProblem(error instanceof Error ? error.message : String(error))
    }
    const acquire = async () => {
      const tokens = await client.acquireCookielessSession()
      if (live) setStage('loading')
      return tokens
    }
    const generate = async (held: { api_token?: string | null; navigation_token?: string | null }) => {
      const fresh = await client.generateCookielessTokens(held)
      if (live && fresh.session_reference_token_ttl !== 0) setRefreshes((n) => n + 1)
      if (live && fresh.session_reference_token_ttl === 0) setStage('expired')
      return fresh
    }
    setStage('acquiring')
    setRefreshes(0)
    client
      .cookielessConfig()
      .then(async ({ data: looker }) => {
        if (!live) return
        const useSdk = looker.looker_url.startsWith('https://') || new URLSearchParams(window.location.search).get('embed') === 'sdk'
        setDriver(useSdk ? 'sdk' : 'page')
        if (!useSdk) {
          const stop = await embedPlain({
            lookerUrl: looker.looker_url,
            path: `/embed/dashboards/${dashboardId}`,
            container: target,
            acquire,
            generate,
            onEvent: (name, event) => {
              if (!live) return
              if (name === 'page:changed') setStage('connected')
              if (name === 'session:status' && event.expired) setStage('expired')
            },
          })
          if (live) takeDown = stop
          else stop()
          return
        }
        const sdk = getEmbedSDK()
        sdk.clearSession() // a new caller must not ride on the previous caller's embed session
        sdk.initCookieless(looker.looker_host, acquire, generate)
        await sdk
          .createDashboardWithId(dashboardId)
          .appendTo(target)
          .withClassName('embed-frame')
          .on('session:status', (event) => {
            if (live && event.expired) setStage('expired')
          })
          .build()
          .connect()
        if (live) setStage('connected')
      })
      .catch(fail)
    return () => {
      live = false
      takeDown()
    }
  }, [client, caller, dashboardId])
  return (
    <section className="panel embed" data-testid="embed" data-stage={stage} data-driver={driver} data-refreshes={refreshes}>
      <h2>Dashboard {dashboardId}, embedded (cookieless)</h2>
      <p className="description">
        Stage: <strong>{stage}</strong>
        {driver && <> · driven by {driver === 'sdk' ? '@looker/embed-sdk' : 'the page (plain-http Looker)'}</>}
        {' '}· tokens refreshed {refreshes} time{refreshes === 1 ? '' : 's'}
        {problem && <span className="problem"> · {problem}</span>}
      </p>
      <div ref={container} className="embed-container" />
    </section>
  )
}
