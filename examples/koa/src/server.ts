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

// Options are checked here: a bad ISSUER fails now, not on the first request.
const app = createApp({ issuer: ISSUER, audience: AUDIENCE })
const server = app.listen(Number(PORT), HOST, () => {
  const { port } = server.address() as AddressInfo
  console.log(`Koa example on http://${HOST}:${port}, tokens from ${ISSUER} for audience ${AUDIENCE}`)
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
