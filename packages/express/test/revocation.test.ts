import { describe } from '@jest/globals'
import { describeRevocation } from '../../testing/test/revocation/revocation-suite.js'
import { conformanceApp, expressVersions, listen } from './support/app.js'

describe('@tokenguard/express', () => {
  for (const [name, express] of Object.entries(expressVersions))
    describeRevocation(name, async (options) => listen(conformanceApp(express, options)))
})
