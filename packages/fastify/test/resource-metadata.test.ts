import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { FastifyInstance } from 'fastify'
import { jwtAuth, protectedResourceMetadata, type JwtAuthOptions } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import {
  METADATA_URL,
  RESOURCE,
  runResourceMetadataContract,
  SCOPE,
  send,
  WELL_KNOWN,
  type MetadataAppKind,
} from '../../testing/test/conformance/resource-metadata-contract.js'
import { fastifyVersions, listen, type FastifyFactory } from './support/app.js'

/** `GET /mcp` requires the scope through `config.auth`; a catch-all shows any request passing unauthenticated. */
async function routes(scope: FastifyInstance, auth: JwtAuthOptions): Promise<void> {
  await scope.register(jwtAuth, auth)
  scope.get('/mcp', { config: { auth: { scopes: [SCOPE] } } }, async () => ({ ok: true }))
  scope.all('/*', async () => ({ reached: true }))
}

async function app(
  fastify: FastifyFactory,
  kind: MetadataAppKind,
  options: Record<string, unknown>,
): Promise<FastifyInstance> {
  const app = fastify()
  const auth = options as unknown as JwtAuthOptions
  if (kind === 'root') await routes(app, auth)
  else {
    await app.register(protectedResourceMetadata, auth)
    await app.register((api) => routes(api, auth), { prefix: '/api' })
  }
  return app
}

for (const [name, fastify] of Object.entries(fastifyVersions)) {
  runResourceMetadataContract(name, async (kind, options) => listen(await app(fastify, kind, options)))

  describe(`${name}: config.auth scopes in the 401`, () => {
    let issuer: TestIssuer
    let options: Record<string, unknown>
    beforeAll(async () => {
      issuer = await createTestIssuer({ audience: RESOURCE })
      options = { issuer: issuer.url, resource: RESOURCE, resourceMetadata: {}, dpop: { mode: 'disabled' } }
    })
    afterAll(() => issuer.close())

    it('names the route scopes in the 401 of a request without a token or with a bad one', async () => {
      for (const extra of [{}, { credentialsRequired: false }]) {
        const server = await listen(await app(fastify, 'root', { ...options, ...extra }))
        try {
          expect((await send(server.url, '/mcp')).headers['www-authenticate']).toBe(
            `Bearer scope="${SCOPE}", resource_metadata="${METADATA_URL}"`,
          )
          const expired = await issuer.sign({}, { expiresIn: -60 })
          const answer = await send(server.url, '/mcp', 'GET', { authorization: `Bearer ${expired}` })
          expect(answer.headers['www-authenticate']).toBe(
            `Bearer error="invalid_token", error_description="The access token expired", scope="${SCOPE}", resource_metadata="${METADATA_URL}"`,
          )
          // A route without scopes says none.
          if (!('credentialsRequired' in extra))
            expect((await send(server.url, '/other')).headers['www-authenticate']).toBe(
              `Bearer resource_metadata="${METADATA_URL}"`,
            )
        } finally {
          await server.close()
        }
      }
    })

    it('refuses protectedResourceMetadata under a prefix, and lets the app own the paths first', async () => {
      const prefixed = fastify()
      await expect(
        prefixed.register(
          async (api) =>
            void (await api.register(protectedResourceMetadata, options as unknown as JwtAuthOptions)),
          {
            prefix: '/api',
          },
        ),
      ).rejects.toThrow(/"protectedResourceMetadata"/)
      const own = fastify()
      own.get(WELL_KNOWN, async () => ({ mine: true }))
      await own.register(jwtAuth, { ...options, credentialsRequired: false } as unknown as JwtAuthOptions)
      const server = await listen(own)
      try {
        expect((await send(server.url, `${WELL_KNOWN}/mcp`)).status).toBe(200)
        expect(await send(server.url, WELL_KNOWN)).toMatchObject({ status: 200, body: '{"mine":true}' })
      } finally {
        await server.close()
      }
    })
  })
}
