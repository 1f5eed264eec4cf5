import type { QueryRequest } from 'looker-proxy-client'
import { useQueryTask } from 'looker-proxy-client/react'
import { useEffect, useState } from 'react'
import { AsOf, ProblemNote } from './AsOf'

/** A long query run as a task: its progress while Looker works, and a button that kills it. */
export function SlowTask() {
  const [limit, setLimit] = useState(5000)
  const [running, setRunning] = useState(false)
  const body: QueryRequest = {
    model: 'thelook',
    view: 'order_items',
    fields: ['products.category', 'products.brand', 'order_items.count', 'order_items.total_sale_price'],
    sorts: ['order_items.total_sale_price desc'],
    limit,
  }
  const task = useQueryTask(body, { enabled: running })
  const elapsed = useElapsed(task.progress?.startedAt, task.isFetching)
  const status = task.progress?.status ?? 'not started'
  useEffect(() => {
    if (task.isSuccess || task.isError) setRunning(false)
  }, [task.isSuccess, task.isError])
  return (
    <section className="panel task" data-testid="task">
      <h2>A long query, as a task</h2>
      <p className="description">Top brands by revenue, in up to this many rows (a number nobody asked before misses the cache).</p>
      <div className="filters">
        <label>
          Rows
          <input
            type="number"
            min={1}
            max={5000}
            data-testid="task-limit"
            value={limit}
            disabled={task.isFetching}
            onChange={(e) => setLimit(Number(e.target.value) || 1)}
          />
        </label>
        <button type="button" data-testid="task-run" disabled={task.isFetching} onClick={() => (running ? task.refetch() : setRunning(true))}>
          Run
        </button>
        <button
          type="button"
          data-testid="task-cancel"
          disabled={!task.isFetching}
          onClick={() => {
            setRunning(false)
            void task.cancel()
          }}
        >
          Cancel
        </button>
      </div>
      <p data-testid="task-status" data-status={status} data-polls={task.progress?.polls ?? 0}>
        {task.isFetching && <span className="spinner" aria-hidden="true" />} Status: <strong>{status}</strong>
        {task.progress?.id && ` · ${task.progress.polls} polls · ${elapsed} s`}
      </p>
      <ProblemNote error={task.error} />
      {task.data && !task.isFetching && (
        <p data-testid="task-result" data-rows={task.data.data.length}>
          {task.data.data.length} rows; first: {JSON.stringify(task.data.data[0])} <AsOf meta={task.data.meta} />
        </p>
      )}
    </section>
  )
}

function useElapsed(since: Date | undefined, ticking: boolean): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (!ticking) return
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [ticking])
  return since ? Math.max(0, Math.round((now - since.getTime()) / 1000)) : 0
}
