// Runs the example against your identity provider:
//   ISSUER=https://your-tenant.example.com/ AUDIENCE=https://api.example.com node dist/server.js
// PLATFORM=fastify runs it on Nest's Fastify platform. Only this entry point reads the environment.
import { createApp } from './app.js'

const { ISSUER, AUDIENCE, PORT, HOST, PLATFORM } = process.env

if (!ISSUER || !AUDIENCE) {
  console.error(
    'Set ISSUER and AUDIENCE, e.g. ISSUER=https://idp.example.com/ AUDIENCE=https://api.example.com',
  )
  process.exit(1)
}

try {
  // Options are checked here: a bad ISSUER fails now, not on the first request.
  const app = await createApp(
    { issuer: ISSUER, audience: AUDIENCE },
    PLATFORM === 'fastify' ? 'fastify' : 'express',
  )
  await app.listen(Number(PORT || 3000), HOST || '127.0.0.1')
  console.log(`NestJS example on ${await app.getUrl()}, tokens from ${ISSUER} for audience ${AUDIENCE}`)
} catch (error) {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
