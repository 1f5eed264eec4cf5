import { createLookerProxyClient } from 'looker-proxy-client'
import { LookerProxyProvider } from 'looker-proxy-client/react'
import { useMemo, useState } from 'react'
import { callerOf, credentials, useCredentials } from './credentials'
import { Dashboard } from './Dashboard'
import { Embed } from './Embed'
import { LookTable } from './LookTable'
import { MetricPanel } from './MetricPanel'
import { SlowTask } from './SlowTask'

// Same origin as the page; `no-cache` makes every view revalidate its ETag with the service (a 304 is cheap),
// so a purge or a datagroup trigger shows at once while unchanged results are not sent again.
const client = createLookerProxyClient({ getToken: credentials.current, cache: 'no-cache' })

export function App() {
  const { key, demanded } = useCredentials()
  const caller = callerOf(key)
  const [asking, setAsking] = useState(false)
  return (
    <LookerProxyProvider client={client} caller={caller}>
      <header className="top">
        <h1>Looker Proxy demo</h1>
        <span className="caller" data-testid="caller">
          calling as {caller}
        </span>
        <button type="button" onClick={() => setAsking(true)}>
          API key
        </button>
      </header>
      {(demanded || asking) && <KeyForm onDone={() => setAsking(false)} />}
      <main>
        <Dashboard id={1} />
        <MetricPanel />
        <LookTable id={1} />
        <SlowTask />
        <Embed dashboardId={1} />
      </main>
    </LookerProxyProvider>
  )
}

function KeyForm({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState(useMemo(() => credentials.current(), []))
  return (
    <form
      className="key-form"
      data-testid="key-form"
      onSubmit={(event) => {
        event.preventDefault()
        credentials.set(value)
        onDone()
      }}
    >
      <label>
        The service needs credentials. API key:{' '}
        <input type="password" value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit">Use this key</button>
    </form>
  )
}
