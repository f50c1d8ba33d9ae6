// Runs the example against your identity provider:
//   ISSUER=https://your-tenant.example.com/ AUDIENCE=https://api.example.com node dist/server.js
// Only this entry point reads the environment; createApp() takes plain options.
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

try {
  // Fastify's request log holds method, URL and address, never the Authorization header.
  const app = await createApp({ issuer: ISSUER, audience: AUDIENCE }, { logger: true })
  await app.listen({ port, host: HOST })

  let stopping = false
  const stop = (): void => {
    // npm forwards Ctrl-C a second time; one stop is enough.
    if (stopping) return
    stopping = true
    void app.close()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
