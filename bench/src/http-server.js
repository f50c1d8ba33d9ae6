import process from 'node:process'
import { FRAMEWORKS } from './http-apps.js'

/**
 * One app under test, in its own process so that the load generator never shares its event loop.
 * Usage (from run.js, over IPC): node http-server.js '<json: framework, variant, issuer, audience, jwksUri>'
 * Replies `{ port }` once listening, or `{ unavailable }` when the variant cannot be built.
 */
const { framework, variant, ...config } = JSON.parse(process.argv[2])
try {
  const listen = await FRAMEWORKS[framework].build(variant, config)
  const server = await listen(0)
  let requests = 0
  server.on('request', () => requests++)
  // CPU time per request is the server's own cost, whether or not the load generator saturates it.
  process.on('message', (message) => {
    if (message === 'stats') process.send({ stats: { cpu: process.cpuUsage(), requests } })
  })
  process.send({ port: server.address().port })
} catch (error) {
  process.send({ unavailable: String(error?.message ?? error) }, () => process.exit(0))
}
// A graceful exit on request lets `--cpu-prof` write its profile when profiling a server by hand.
process.on('message', (message) => {
  if (message === 'exit') process.exit(0)
})
