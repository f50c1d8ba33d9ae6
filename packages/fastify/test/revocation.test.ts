import { describe } from '@jest/globals'
import { describeRevocation } from '../../testing/test/revocation/revocation-suite.js'
import { conformanceApp, fastifyVersions, listen } from './support/app.js'

describe('@tokenguard/fastify', () => {
  for (const [name, fastify] of Object.entries(fastifyVersions))
    describeRevocation(name, async (options) => listen(await conformanceApp(fastify, options)))
})
