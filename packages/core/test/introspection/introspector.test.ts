import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { resolveIntrospection } from '../../src/introspection/introspection-options.js'
import type { Introspector } from '../../src/introspection/introspector.js'
import type { TrustedIssuer } from '../../src/resolve-options.js'
import { resolveJwksSettings } from '../../src/resolve-issuers.js'
import {
  activeClaims,
  json,
  startIntrospectionServer,
  type IntrospectionServer,
} from './introspection-server.js'

/** The introspector's members that only the core's own code reaches: its description and `clear()`. */

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
  server.answer = json(activeClaims())
})
afterAll(() => server.close())

function introspectorFor(introspection: Record<string, unknown>): Introspector {
  const jwks = resolveJwksSettings(undefined, Date.now, new Set())
  const client = { clientId: 'orders-api', clientSecret: 'secret', ...introspection }
  return resolveIntrospection(client as never, '', server.issuer, jwks, 5) as Introspector
}

// Plain JSON answers never read the trusted issuer (only signed answers need its keys).
const trusted = {} as TrustedIssuer

describe('Introspector', () => {
  it('is not made when the option is absent', () => {
    const jwks = resolveJwksSettings(undefined, Date.now, new Set())
    expect(resolveIntrospection(undefined, '', server.issuer, jwks, 5)).toBeUndefined()
  })

  it('describes its endpoint: configured, or discovered once known', async () => {
    expect(introspectorFor({ endpoint: server.endpoint }).description).toBe(server.endpoint)
    const discovering = introspectorFor({})
    expect(discovering.description).toContain('not discovered yet')
    await discovering.introspect('opaque-1', trusted)
    expect(discovering.description).toBe(server.endpoint)
  })

  it('forgets every remembered answer on clear()', async () => {
    const introspector = introspectorFor({ endpoint: server.endpoint, cache: true })
    const before = server.requests.length
    await introspector.introspect('opaque-2', trusted)
    await introspector.introspect('opaque-2', trusted)
    expect(server.requests.length).toBe(before + 1)
    introspector.clear()
    await introspector.introspect('opaque-2', trusted)
    expect(server.requests.length).toBe(before + 2)
  })
})
