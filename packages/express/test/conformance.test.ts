import { describe } from '@jest/globals'
import {
  describeClientSelfCheck,
  describeConformance,
} from '../../testing/test/conformance/run-conformance.js'
import { conformanceApp, expressVersions, listen } from './support/app.js'

describe('@tokenguard/express', () => {
  describeClientSelfCheck()
  for (const [name, express] of Object.entries(expressVersions))
    describeConformance(name, async (options) => listen(conformanceApp(express, options)))
})
