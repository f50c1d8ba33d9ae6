// Runs the observability example. With ISSUER and AUDIENCE it trusts your identity provider; without them
// it starts an embedded local issuer and prints a token to try.
//   node dist/server.js            then   curl localhost:3000/metrics
import { createTestIssuer } from '@tokenguard/testing'
import { pino } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { createApp } from './app.js'
import { observeTokenguard } from './observe.js'

const logger = pino()
const registry = new Registry()
collectDefaultMetrics({ register: registry })
observeTokenguard({ registry, logger })

const local = process.env.ISSUER ? undefined : await createTestIssuer()
const issuer = process.env.ISSUER ?? (local?.url as string)
const audience = process.env.AUDIENCE ?? (local?.audience as string)
const port = Number(process.env.PORT ?? 3000)

try {
  const app = createApp({ issuer, audience }, registry)
  const server = app.listen(port, '127.0.0.1', () => {
    logger.info({ url: `http://127.0.0.1:${port}`, issuer, audience }, 'observability example listening')
    if (local)
      void local
        .sign({ scope: 'read:items' })
        .then((token) =>
          console.log(`Try: curl -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/items`),
        )
  })
  const stop = () => {
    server.close()
    void local?.close()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (error) {
  logger.error({ error: error instanceof Error ? error.message : String(error) }, 'cannot start')
  process.exitCode = 1
}
