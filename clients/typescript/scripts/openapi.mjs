// Regenerate src/schema.ts from the service's OpenAPI document, or with --check fail when the committed file differs.
//
// The document comes from the service's own code (Python, through Flask's test client, with demo-like
// settings and no Looker call), so neither a running server nor a network is needed. Set OPENAPI_URL to read
// it from a running service instead, and PYTHON to choose the interpreter (default: python). Fields with a
// default stay optional (defaultNonNullable: false): a request may leave them out.
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import openapiTS, { astToString } from 'openapi-typescript'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '../../..')
const target = path.resolve(here, '../src/schema.ts')

// Settings a demo would have; the base URL is never called, since building the document needs no Looker.
const PRINT_DOCUMENT = `
import sys
from app import create_app
from app.config import Settings
settings = Settings.from_env({
    "LOOKERSDK_BASE_URL": "http://127.0.0.1:9",
    "LOOKERSDK_CLIENT_ID": "unused",
    "LOOKERSDK_CLIENT_SECRET": "unused",
    "ALLOW_ANONYMOUS": "true",
    "CORS_ORIGINS": "http://localhost:*",
    "EMBED_MODELS": "thelook,finance",
})
reply = create_app(settings).test_client().get("/openapi.json")
if reply.status_code != 200:
    sys.exit(f"/openapi.json answered {reply.status_code}")
sys.stdout.write(reply.get_data(as_text=True))
`

async function loadDocument() {
  if (process.env.OPENAPI_URL) {
    const reply = await fetch(process.env.OPENAPI_URL)
    if (!reply.ok) throw new Error(`${process.env.OPENAPI_URL} answered ${reply.status}`)
    return reply.json()
  }
  const python = process.env.PYTHON || 'python'
  const run = spawnSync(python, ['-c', PRINT_DOCUMENT], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error' },
    maxBuffer: 32 * 1024 * 1024,
  })
  if (run.error) throw new Error(`could not run ${python}: ${run.error.message}`)
  if (run.status !== 0) throw new Error(`${python} failed building the document:\n${run.stderr}`)
  return JSON.parse(run.stdout)
}

const HEADER = `/**
 * Types of the Looker Proxy API, generated from its /openapi.json by openapi-typescript.
 * Do not edit: run \`npm run generate:types\`; \`npm run check:types\` fails when this file is out of date.
 */

`

const document = await loadDocument()
const generated = HEADER + astToString(await openapiTS(document, { alphabetize: false, defaultNonNullable: false }))

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '')
  if (committed !== generated) {
    console.error('src/schema.ts differs from the service\'s /openapi.json: run `npm run generate:types` and commit it.')
    process.exit(1)
  }
  console.log('src/schema.ts matches the service\'s /openapi.json')
} else {
  await writeFile(target, generated)
  console.log(`wrote ${path.relative(process.cwd(), target)}`)
}
