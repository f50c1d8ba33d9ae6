// Runs the example against your identity provider:
//   ISSUER=https://your-tenant.example.com/ AUDIENCE=https://api.example.com node dist/server.js
// Only this entry point reads the environment; createApp() takes plain options.
import { createApp } from './app.js'
import { parsePort, serve, stopOnSignal } from './serve.js'

const { ISSUER, AUDIENCE, PORT, HOST } = process.env

if (!ISSUER || !AUDIENCE) {
  console.error(
    'Set ISSUER and AUDIENCE, e.g. ISSUER=https://idp.example.com/ AUDIENCE=https://api.example.com',
  )
  process.exit(1)
}

try {
  // Options are checked here: a bad ISSUER fails now, not on the first request.
  const app = createApp({ issuer: ISSUER, audience: AUDIENCE })
  const server = await serve(app, parsePort(PORT, 3000), HOST || '127.0.0.1')
  console.log(`Express example on ${server.url}, tokens from ${ISSUER} for audience ${AUDIENCE}`)
  stopOnSignal(() => server.close())
} catch (error) {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
