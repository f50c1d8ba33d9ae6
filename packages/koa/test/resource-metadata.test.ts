import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Router from '@koa/router'
import type Koa from 'koa'
import { jwtAuth, protectedResourceMetadata, requireScopes, type JwtAuthOptions } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import {
  METADATA_URL,
  RESOURCE,
  runResourceMetadataContract,
  SCOPE,
  send,
  type MetadataAppKind,
} from '../../testing/test/conformance/resource-metadata-contract.js'
import { koaVersions, listen, type KoaClass } from './support/app.js'

function app(Koa: KoaClass, kind: MetadataAppKind, options: Record<string, unknown>): Koa {
  const app = new Koa({ env: 'production' })
  app.silent = true
  const auth = options as unknown as JwtAuthOptions
  const prefix = kind === 'root' ? '' : '/api'
  const router = new Router({ prefix })
  router.get('/mcp', requireScopes(SCOPE), (ctx) => {
    ctx.body = { ok: true }
  })
  if (kind === 'prefix') app.use(protectedResourceMetadata(auth))
  // Under the prefix, jwtAuth only sees requests to /api/… (as with koa-mount or a router prefix).
  app.use((ctx, next) => (ctx.path.startsWith(`${prefix}/`) ? jwtAuth(auth)(ctx, next) : next()))
  app.use(router.routes())
  app.use((ctx) => {
    ctx.body = { reached: true }
  })
  return app
}

for (const [name, Koa] of Object.entries(koaVersions)) {
  runResourceMetadataContract(name, async (kind, options) => listen(app(Koa, kind, options)))

  describe(`${name}: scope in the guard's 401`, () => {
    let issuer: TestIssuer
    beforeAll(async () => {
      issuer = await createTestIssuer({ audience: RESOURCE })
    })
    afterAll(() => issuer.close())

    it('names the route scopes when the request passed jwtAuth without a token', async () => {
      const options = {
        issuer: issuer.url,
        resource: RESOURCE,
        resourceMetadata: {},
        credentialsRequired: false,
      }
      const server = await listen(app(Koa, 'root', options))
      try {
        const answer = await send(server.url, '/mcp')
        expect(answer.status).toBe(401)
        expect(answer.headers['www-authenticate']).toMatch(
          new RegExp(`^Bearer scope="${SCOPE}", resource_metadata="${METADATA_URL}", DPoP `),
        )
      } finally {
        await server.close()
      }
    })
  })
}

describe('protectedResourceMetadata', () => {
  it('needs resource and resourceMetadata', () => {
    expect(() => protectedResourceMetadata({ issuer: 'https://idp', audience: 'a' })).toThrow(
      /"resourceMetadata"/,
    )
  })
})
