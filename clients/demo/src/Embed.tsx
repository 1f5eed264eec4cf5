import { getEmbedSDK } from '@looker/embed-sdk'
import { ProblemError } from 'looker-proxy-client'
import { useLookerProxy } from 'looker-proxy-client/react'
import { useEffect, useRef, useState } from 'react'
import { credentials } from './credentials'

type Stage = 'starting' | 'acquiring' | 'loading' | 'connected' | 'failed'

/** Where the browser reaches Looker: `?looker_host=` on the page, else the host of a signed embed URL. */
async function lookerHost(signedUrl: () => Promise<string>): Promise<string> {
  const given = new URLSearchParams(window.location.search).get('looker_host')
  if (given) return given
  // The contract gives the page no other way to learn the host; a one-time URL is minted only to read it.
  return new URL(await signedUrl()).host
}

/** A dashboard embedded through the service's cookieless endpoints; the session token never reaches this page. */
export function Embed({ dashboardId }: { dashboardId: number }) {
  const { client, caller } = useLookerProxy()
  const container = useRef<HTMLDivElement>(null)
  const [stage, setStage] = useState<Stage>('starting')
  const [problem, setProblem] = useState('')
  useEffect(() => {
    const target = container.current
    if (!target) return
    let live = true
    const fail = (error: unknown) => {
      if (!live) return
      if (error instanceof ProblemError && error.status === 401) credentials.demand()
      setStage('failed')
      setProblem(error instanceof Error ? error.message : String(error))
    }
    lookerHost(async () => (await client.embedDashboard(dashboardId)).data.url)
      .then((host) => {
        if (!live) return
        setStage('acquiring')
        const sdk = getEmbedSDK()
        sdk.clearSession() // a new caller must not ride on the previous caller's embed session
        sdk.initCookieless(
          host,
          async () => {
            const tokens = await client.acquireCookielessSession()
            if (live) setStage('loading')
            return tokens
          },
          (tokens) =>
            client.generateCookielessTokens({
              api_token: tokens.api_token ?? '',
              navigation_token: tokens.navigation_token ?? '',
            }),
        )
        return sdk
          .createDashboardWithId(dashboardId)
          .appendTo(target)
          .withClassName('embed-frame')
          .build()
          .connect()
          .then(() => live && setStage('connected'))
      })
      .catch(fail)
    return () => {
      live = false
      target.replaceChildren()
    }
  }, [client, caller, dashboardId])
  return (
    <section className="panel embed" data-testid="embed" data-stage={stage}>
      <h2>Dashboard {dashboardId}, embedded (cookieless)</h2>
      <p className="description">
        Stage: <strong>{stage}</strong>
        {problem && <span className="problem"> · {problem}</span>}
      </p>
      <div ref={container} className="embed-container" />
    </section>
  )
}
