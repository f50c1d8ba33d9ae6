import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, NotReadyError } from '@tokenguard/core'
import { optionsFor, startIntrospectionServer, type IntrospectionServer } from './introspection-server.js'

/** `verifier.ready()` also finds each issuer's introspection endpoint, without sending any token. */

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
})
afterAll(() => server.close())
afterEach(() => {
  server.metadata = { issuer: server.issuer, introspection_endpoint: server.endpoint }
  server.requests.length = 0
})

describe('ready()', () => {
  it('discovers the endpoint once; verifications then read no metadata, and no token was sent', async () => {
    const verifier = createVerifier(await optionsFor(server, { endpoint: undefined }))
    const before = server.discoveries
    await verifier.ready()
    expect(server.discoveries).toBe(before + 1)
    expect(server.requests).toHaveLength(0)
    await verifier.ready()
    expect(server.discoveries).toBe(before + 1)
  })

  it('rejects naming the issuer and its introspection endpoint when discovery fails', async () => {
    server.metadata = { issuer: server.issuer }
    const verifier = createVerifier(await optionsFor(server, { endpoint: undefined }))
    const error = await verifier.ready().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(NotReadyError)
    const failures = (error as NotReadyError).failures
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ issuer: server.issuer })
    expect(failures[0]?.keySource).toContain('introspection_endpoint')
    expect((error as Error).message).toContain('introspection_endpoint')
  })

  it('is ready at once with a configured endpoint', async () => {
    const verifier = createVerifier(await optionsFor(server))
    const before = server.discoveries
    await expect(verifier.ready()).resolves.toBeUndefined()
    expect(server.discoveries).toBe(before)
  })
})
