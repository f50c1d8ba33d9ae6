import { describe } from '@jest/globals'
import { describeConformance } from '../../testing/test/conformance/run-conformance.js'
import { conformanceApp, koaVersions, listen } from './support/app.js'

describe('@tokenguard/koa', () => {
  for (const [name, Koa] of Object.entries(koaVersions))
    describeConformance(name, async (options) => listen(conformanceApp(Koa, options)))
})
