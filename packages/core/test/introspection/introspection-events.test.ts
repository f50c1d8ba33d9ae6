import diagnostics from 'node:diagnostics_channel'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, tokenId, type IntrospectionMessage } from '@tokenguard/core'
import { expectAuthError } from '../support/expect-error.js'
import {
  activeClaims,
  json,
  optionsFor,
  opaqueToken,
  startIntrospectionServer,
  type IntrospectionServer,
} from './introspection-server.js'

/** `tokenguard:introspection`: one message per request to the endpoint, naming the token by its id only. */

const messages: IntrospectionMessage[] = []
const record = (message: unknown) => void messages.push(message as IntrospectionMessage)

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
  diagnostics.subscribe('tokenguard:introspection', record)
})
afterAll(async () => {
  diagnostics.unsubscribe('tokenguard:introspection', record)
  await server.close()
})
afterEach(() => {
  messages.length = 0
  server.answer = json(activeClaims())
})

describe('tokenguard:introspection', () => {
  it('reports an active answer, an inactive one and a failure, each with the token id', async () => {
    const verifier = createVerifier(await optionsFor(server))
    const [active, inactive, failed] = [opaqueToken(), opaqueToken(), opaqueToken()]
    await verifier.verify(active)
    server.answer = json({ active: false })
    await expectAuthError(verifier.verify(inactive), 'token_inactive')
    server.answer = json([1, 2])
    await expectAuthError(verifier.verify(failed), 'introspection_unavailable')

    expect(messages).toHaveLength(3)
    const base = { issuer: server.issuer, url: server.endpoint }
    expect(messages[0]).toEqual({
      ...base,
      tokenId: tokenId(active),
      durationMs: expect.any(Number),
      active: true,
    })
    expect(messages[1]).toEqual({
      ...base,
      tokenId: tokenId(inactive),
      durationMs: expect.any(Number),
      active: false,
    })
    expect(messages[2]).toMatchObject({ ...base, tokenId: tokenId(failed), error: expect.any(String) })
    expect(messages[2]?.active).toBeUndefined()
    for (const [index, token] of [active, inactive, failed].entries())
      expect(JSON.stringify(messages[index])).not.toContain(token)
  })

  it('publishes nothing for an answer served from the cache', async () => {
    const verifier = createVerifier(await optionsFor(server, { cache: true }))
    const token = opaqueToken()
    await verifier.verify(token)
    await verifier.verify(token)
    expect(messages).toHaveLength(1)
  })
})
