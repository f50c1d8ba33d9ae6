import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import {
  ConfigError,
  createAuthenticator,
  createVerifier,
  type IntrospectionIssuerSelector,
  type RequestFacts,
} from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { expectAuthError } from '../support/expect-error.js'

/**
 * With several issuers that introspect, `selectIntrospectionIssuer` decides where an opaque token goes:
 * sending it to the wrong authorization server would hand that server a live token.
 */

const CLIENT = { clientId: 'orders-api', clientSecret: 'introspection-secret' }
let orders: TestIssuer
let billing: TestIssuer
beforeAll(async () => {
  ;[orders, billing] = await Promise.all([
    createTestIssuer({ introspection: CLIENT }),
    createTestIssuer({ introspection: CLIENT }),
  ])
})
afterAll(() => Promise.all([orders.close(), billing.close()]))

const asked = (issuer: TestIssuer) => issuer.hits.get('/introspect') ?? 0

function verifierSelecting(select: IntrospectionIssuerSelector) {
  return createVerifier({
    issuer: [
      { issuer: orders.url, introspection: CLIENT },
      { issuer: billing.url, introspection: CLIENT },
    ],
    audience: orders.audience,
    selectIntrospectionIssuer: select,
  })
}

describe('selectIntrospectionIssuer', () => {
  it('sends the token only to the issuer it names', async () => {
    const token = billing.issueOpaqueToken({ sub: 'billing-user' })
    const verifier = verifierSelecting(() => billing.url)
    const before = [asked(orders), asked(billing)]
    const { payload } = await verifier.verify(token)
    expect(payload.sub).toBe('billing-user')
    expect([asked(orders), asked(billing)]).toEqual([before[0], (before[1] as number) + 1])
  })

  it('makes the other issuer’s token inactive rather than trying each server in turn', async () => {
    const verifier = verifierSelecting(() => orders.url)
    const before = asked(billing)
    await expectAuthError(verifier.verify(billing.issueOpaqueToken()), 'token_inactive')
    expect(asked(billing)).toBe(before)
  })

  it('receives the token, and no facts from a bare verify()', async () => {
    const select = jest.fn<IntrospectionIssuerSelector>(() => orders.url)
    const token = orders.issueOpaqueToken()
    await verifierSelecting(select).verify(token)
    expect(select).toHaveBeenCalledTimes(1)
    expect(select).toHaveBeenCalledWith(token, undefined)
  })

  it('receives the request facts through an authenticator (as adapters call it)', async () => {
    const select = jest.fn<IntrospectionIssuerSelector>((_token, facts) =>
      (facts?.headers as Record<string, unknown> | undefined)?.['x-tenant'] === 'billing'
        ? billing.url
        : orders.url,
    )
    const authenticator = createAuthenticator({ verifier: verifierSelecting(select) })
    const token = billing.issueOpaqueToken({ sub: 'via-adapter' })
    const facts: RequestFacts = {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, 'x-tenant': 'billing' },
    }
    const auth = await authenticator.authenticate({}, facts)
    expect(auth?.payload.sub).toBe('via-adapter')
    expect(select).toHaveBeenCalledWith(token, facts)
  })

  it('is not called for JWTs, which name their issuer', async () => {
    const select = jest.fn<IntrospectionIssuerSelector>(() => undefined)
    const { payload } = await verifierSelecting(select).verify(await orders.sign({ sub: 'jwt-user' }))
    expect(payload.sub).toBe('jwt-user')
    expect(select).not.toHaveBeenCalled()
  })

  it('refuses the token as malformed when it returns undefined, asking no one', async () => {
    const before = [asked(orders), asked(billing)]
    await expectAuthError(
      verifierSelecting(() => undefined).verify(orders.issueOpaqueToken()),
      'token_malformed',
    )
    expect([asked(orders), asked(billing)]).toEqual(before)
  })

  it.each<[string, IntrospectionIssuerSelector]>([
    ['an issuer that does not introspect', () => 'https://unknown.example/'],
    ['a non-string', () => 42 as unknown as string],
    ['an empty string', () => ''],
  ])('is the application’s bug (ConfigError, a 500) when it returns %s', async (_, select) => {
    const error = await verifierSelecting(select)
      .verify(orders.issueOpaqueToken())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain('"selectIntrospectionIssuer"')
  })

  it('is the application’s bug (ConfigError keeping the cause) when it throws', async () => {
    const bug = new Error('tenant table not loaded')
    const error = await verifierSelecting(() => {
      throw bug
    })
      .verify(orders.issueOpaqueToken())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).cause).toBe(bug)
  })

  it('is never asked to choose with one introspecting issuer: the token goes to it', async () => {
    const verifier = createVerifier({
      issuer: [{ issuer: orders.url, introspection: CLIENT }, { issuer: billing.url }],
      audience: orders.audience,
    })
    const before = asked(billing)
    await expectAuthError(verifier.verify(billing.issueOpaqueToken()), 'token_inactive')
    expect(asked(billing)).toBe(before)
    await expect(verifier.verify(orders.issueOpaqueToken())).resolves.toBeDefined()
  })
})
