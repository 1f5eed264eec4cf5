// Fail when the committed build in app/static/demo differs from a fresh build of these sources.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const committed = path.resolve(here, '../../../app/static/demo')

async function files(root) {
  const found = new Map()
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) await walk(full)
      else found.set(path.relative(root, full), await readFile(full))
    }
  }
  await walk(root)
  return found
}

const fresh = await mkdtemp(path.join(tmpdir(), 'demo-build-'))
try {
  const build = spawnSync('npx', ['vite', 'build', '--outDir', fresh, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: path.resolve(here, '..'),
    stdio: 'inherit',
  })
  if (build.status !== 0) process.exit(build.status ?? 1)
  const [want, have] = await Promise.all([files(fresh), files(committed)])
  const problems = []
  for (const [name, bytes] of want) {
    if (!have.has(name)) problems.push(`missing: ${name}`)
    else if (!have.get(name).equals(bytes)) problems.push(`differs: ${name}`)
  }
  for (const name of have.keys()) if (!want.has(name)) problems.push(`not in a fresh build: ${name}`)
  if (problems.length) {
    console.error(`app/static/demo is not the build of clients/demo:\n  ${problems.join('\n  ')}\nRun \`npm run build\` and commit it.`)
    process.exit(1)
  }
  console.log(`app/static/demo matches a fresh build (${want.size} files)`)
} finally {
  await rm(fresh, { recursive: true, force: true })
}
