import { describe } from '@jest/globals'
import { describeRevocation } from '../../testing/test/revocation/revocation-suite.js'
import { conformanceApp, koaVersions, listen } from './support/app.js'

describe('@tokenguard/koa', () => {
  for (const [name, Koa] of Object.entries(koaVersions))
    describeRevocation(name, async (options) => listen(conformanceApp(Koa, options)))
})
