import { useLook } from 'looker-proxy-client/react'
import { AsOf, ProblemNote } from './AsOf'

/** A saved Look's rows as a table. */
export function LookTable({ id }: { id: number }) {
  const look = useLook(id)
  const rows = look.data?.data ?? []
  const columns = Object.keys(rows[0] ?? {})
  return (
    <section className="panel look" data-testid="look">
      <h2>Look {id}</h2>
      <ProblemNote error={look.error} />
      <table data-testid="look-table" data-rows={rows.length}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} className={typeof row[c] === 'number' ? 'num' : undefined}>
                  {String(row[c] ?? '')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <AsOf meta={look.data?.meta} />
    </section>
  )
}
