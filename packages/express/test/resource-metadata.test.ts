import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Express } from 'express'
import { jwtAuth, protectedResourceMetadata, requireScopes, type JwtAuthOptions } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import {
  METADATA_URL,
  RESOURCE,
  runResourceMetadataContract,
  SCOPE,
  send,
  type MetadataAppKind,
} from '../../testing/test/conformance/resource-metadata-contract.js'
import { expressVersions, listen, type ExpressFactory } from './support/app.js'

// Express logs every error it renders in production mode; the refusals here are expected.
beforeAll(() => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
})
afterAll(async () => {
  // Express 4's finalhandler logs in a setImmediate after the response: let the last one run first.
  await new Promise((resolve) => setImmediate(resolve))
  jest.restoreAllMocks()
})

/** The `/mcp` route and a catch-all that shows any request passing without a token. */
function routes(express: ExpressFactory) {
  const router = express.Router()
  router.get('/mcp', requireScopes(SCOPE), (_req, res) => void res.json({ ok: true }))
  router.use((_req, res) => void res.json({ reached: true }))
  return router
}

function app(express: ExpressFactory, kind: MetadataAppKind, options: Record<string, unknown>): Express {
  const app = express()
  app.set('env', 'production')
  const auth = options as unknown as JwtAuthOptions
  if (kind === 'root') app.use(jwtAuth(auth), routes(express))
  else app.use(protectedResourceMetadata(auth)).use('/api', jwtAuth(auth), routes(express))
  return app
}

for (const [name, express] of Object.entries(expressVersions)) {
  runResourceMetadataContract(name, async (kind, options) => listen(app(express, kind, options)))

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
      const server = await listen(app(express, 'root', options))
      try {
        const answer = await send(server.url, '/mcp')
        expect(answer.status).toBe(401)
        expect(answer.headers['www-authenticate']).toMatch(
          new RegExp(
            `^Bearer scope="${SCOPE}", resource_metadata="${METADATA_URL}", DPoP resource_metadata="${METADATA_URL}", algs="`,
          ),
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
