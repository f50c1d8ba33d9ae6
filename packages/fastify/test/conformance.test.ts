import { describe } from '@jest/globals'
import { describeConformance } from '../../testing/test/conformance/run-conformance.js'
import { conformanceApp, fastifyVersions, listen } from './support/app.js'

describe('@tokenguard/fastify', () => {
  for (const [name, fastify] of Object.entries(fastifyVersions))
    describeConformance(name, async (options) => listen(await conformanceApp(fastify, options)))
})
