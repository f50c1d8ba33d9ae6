// Runs the example against your identity provider:
//   ISSUER=https://your-tenant.example.com/ AUDIENCE=https://api.example.com node dist/server.js
// Only this entry point reads the environment; createApp() takes plain options.
import type { AddressInfo } from 'node:net'
import { createApp } from './app.js'

const { ISSUER, AUDIENCE, PORT = '3000', HOST = '127.0.0.1' } = process.env

if (!ISSUER || !AUDIENCE) {
  console.error(
    'Set ISSUER and AUDIENCE, e.g. ISSUER=https://idp.example.com/ AUDIENCE=https://api.example.com',
  )
  process.exit(1)
}
const port = Number(PORT)
if (!/^\d+$/.test(PORT) || port > 65535) {
  console.error(`PORT must be 0–65535, got "${PORT}"`)
  process.exit(1)
}

let app: ReturnType<typeof createApp>
try {
  // Options are checked here: a bad ISSUER fails now, not on the first request.
  app = createApp({ issuer: ISSUER, audience: AUDIENCE })
} catch (error) {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
const server = app.listen(port, HOST, () => {
  const { port: actual } = server.address() as AddressInfo
  console.log(`Koa example on http://${HOST}:${actual}, tokens from ${ISSUER} for audience ${AUDIENCE}`)
})
server.on('error', (error) => {
  console.error(`Cannot start: ${error.message}`)
  process.exitCode = 1
})

let stopping = false
const stop = (): void => {
  // npm forwards Ctrl-C a second time; one stop is enough.
  if (stopping) return
  stopping = true
  server.close()
  server.closeIdleConnections()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
