/**
 * The apps under test, one per framework and variant, all answering `GET /api` with the same small JSON
 * body. `bare` is the framework alone (the ceiling); `noop` adds one middleware that does nothing (the
 * floor of any middleware, for reference); `floor` is the least a bearer verifier can do (see
 * floor-verifier.js: the cold reference); `tokenguard` is our adapter; the others are each
 * framework's popular peers, configured as their READMEs show, against the same loopback JWK Set.
 */

import { createFloorVerifier } from './floor-verifier.js'
import { redisOption } from './redis.js'

const ALGORITHMS = ['RS256']

/**
 * The `revocation` option of the `tokenguard-revocation` variant (none for plain `tokenguard`): a memory
 * store holding 10 000 entries, none of which revokes a warm token, so every request really looks both
 * maps up: 5 000 other `jti`s, and 5 000 subjects, among them the subjects of half the warm tokens
 * (`user-0`…`user-49`), logged out everywhere 5 h before their tokens were issued. `revokedJti` (a cold
 * token never sent warm) is revoked too, for the sanity check.
 */
async function revocationOption(variant, revokedJti) {
  if (variant !== 'tokenguard-revocation') return {}
  const { createMemoryRevocationStore } = await import('@tokenguard/core')
  const revocation = createMemoryRevocationStore()
  const now = Math.floor(Date.now() / 1000)
  for (let n = 0; n < 5000; n++) {
    await revocation.revoke({ jti: `other-${n}`, exp: now + 3600 })
    await revocation.revoke({ sub: n < 50 ? `user-${n}` : `other-${n}`, before: now - 5 * 3600 })
  }
  await revocation.revoke({ jti: revokedJti, exp: now + 3600 })
  return { revocation }
}

/** Imports an adapter's `jwtAuth`, or explains why it is not there yet. */
async function adapter(name) {
  const module = await import(`@tokenguard/${name}`)
  if (typeof module.jwtAuth !== 'function') throw new Error(`@tokenguard/${name} does not export jwtAuth yet`)
  return module.jwtAuth
}

async function expressApp(variant, { issuer, audience, jwksUri, revokedJti, redisSocket }) {
  const { default: express } = await import('express')
  const app = express()
  let subject
  switch (variant) {
    case 'bare':
      subject = () => 'anonymous'
      break
    case 'noop':
      app.use((_req, _res, next) => next())
      subject = () => 'anonymous'
      break
    case 'floor': {
      const floorVerify = await createFloorVerifier({ issuer, audience, jwksUri })
      app.use((req, res, next) =>
        floorVerify(req.headers.authorization, (payload) => {
          if (payload === undefined) return res.status(401).end()
          req.auth = payload
          next()
        }),
      )
      subject = (req) => req.auth.sub
      break
    }
    case 'tokenguard':
    case 'tokenguard-revocation':
    case 'tokenguard-redis-revocation':
    case 'tokenguard-redis-dpop': {
      const jwtAuth = await adapter('express')
      const stores = {
        ...(await revocationOption(variant, revokedJti)),
        ...(await redisOption(variant, { redisSocket, revokedJti })),
      }
      app.use(jwtAuth({ issuer, audience, jwksUri, ...stores }))
      subject = (req) => req.auth.payload.sub
      break
    }
    case 'express-jwt': {
      const { expressjwt } = await import('express-jwt')
      const { default: jwksRsa } = await import('jwks-rsa')
      const secret = jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true })
      app.use(expressjwt({ secret, algorithms: ALGORITHMS, issuer, audience }))
      subject = (req) => req.auth.sub
      break
    }
    case 'oauth2-jwt-bearer': {
      const { auth } = await import('express-oauth2-jwt-bearer')
      app.use(auth({ issuer, audience, jwksUri, tokenSigningAlg: 'RS256' }))
      subject = (req) => req.auth.payload.sub
      break
    }
    case 'oauth2-jwt-bearer-dpop': {
      // DPoP as its README shows; it has no replay store ("you MUST implement your own") and no nonces.
      const { auth } = await import('express-oauth2-jwt-bearer')
      app.use(
        auth({
          issuer,
          audience,
          jwksUri,
          tokenSigningAlg: 'RS256',
          dpop: { enabled: true, required: false },
        }),
      )
      subject = (req) => req.auth.payload.sub
      break
    }
    default:
      throw new Error(`unknown express variant ${variant}`)
  }
  app.get('/api', (req, res) => {
    res.json({ sub: subject(req) })
  })
  return (port) =>
    new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server))
    })
}

async function koaApp(variant, { issuer, audience, jwksUri, revokedJti, redisSocket }) {
  const { default: Koa } = await import('koa')
  const { default: Router } = await import('@koa/router')
  const app = new Koa()
  const router = new Router()
  let subject
  switch (variant) {
    case 'bare':
      subject = () => 'anonymous'
      break
    case 'noop':
      app.use((_ctx, next) => next())
      subject = () => 'anonymous'
      break
    case 'floor': {
      const floorVerify = await createFloorVerifier({ issuer, audience, jwksUri })
      app.use((ctx, next) =>
        new Promise((resolve) => floorVerify(ctx.req.headers.authorization, resolve)).then((payload) => {
          if (payload === undefined) return void (ctx.status = 401)
          ctx.state.auth = payload
          return next()
        }),
      )
      subject = (ctx) => ctx.state.auth.sub
      break
    }
    case 'tokenguard':
    case 'tokenguard-revocation':
    case 'tokenguard-redis-revocation':
    case 'tokenguard-redis-dpop': {
      const jwtAuth = await adapter('koa')
      const stores = {
        ...(await revocationOption(variant, revokedJti)),
        ...(await redisOption(variant, { redisSocket, revokedJti })),
      }
      app.use(jwtAuth({ issuer, audience, jwksUri, ...stores }))
      subject = (ctx) => ctx.state.auth.payload.sub
      break
    }
    case 'koa-jwt': {
      const { default: koaJwt } = await import('koa-jwt')
      const { default: jwksRsa } = await import('jwks-rsa')
      const secret = jwksRsa.koaJwtSecret({ jwksUri, cache: true, rateLimit: true })
      app.use(koaJwt({ secret, audience, issuer, algorithms: ALGORITHMS }))
      subject = (ctx) => ctx.state.user.sub
      break
    }
    default:
      throw new Error(`unknown koa variant ${variant}`)
  }
  router.get('/api', (ctx) => {
    ctx.body = { sub: subject(ctx) }
  })
  app.use(router.routes())
  return (port) =>
    new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server))
    })
}

async function fastifyApp(variant, { issuer, audience, jwksUri, revokedJti, redisSocket }) {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  let subject
  switch (variant) {
    case 'bare':
      subject = () => 'anonymous'
      break
    case 'noop':
      // The same hook kind as the adapter's: an async onRequest hook.
      app.addHook('onRequest', async () => {})
      subject = () => 'anonymous'
      break
    case 'floor': {
      // The adapter's hook kind again (an async onRequest hook), as for the no-op row.
      const floorVerify = await createFloorVerifier({ issuer, audience, jwksUri })
      app.decorateRequest('auth', null)
      app.addHook('onRequest', async (request, reply) => {
        const payload = await new Promise((resolve) => floorVerify(request.headers.authorization, resolve))
        if (payload === undefined) return reply.code(401).send()
        request.auth = payload
      })
      subject = (request) => request.auth.sub
      break
    }
    case 'tokenguard':
    case 'tokenguard-revocation':
    case 'tokenguard-redis-revocation':
    case 'tokenguard-redis-dpop': {
      const jwtAuth = await adapter('fastify')
      await app.register(jwtAuth, {
        issuer,
        audience,
        jwksUri,
        ...(await revocationOption(variant, revokedJti)),
        ...(await redisOption(variant, { redisSocket, revokedJti })),
      })
      subject = (request) => request.auth.payload.sub
      break
    }
    case 'fastify-jwt':
    case 'fastify-jwt-cache': {
      const { default: fastifyJwt } = await import('@fastify/jwt')
      const { default: buildGetJwks } = await import('get-jwks')
      // get-jwks derives the JWK Set URL from the token's `iss`, so it is pinned to the one trusted issuer.
      const getJwks = buildGetJwks({ issuersWhitelist: [issuer], checkIssuer: (iss) => iss === issuer })
      await app.register(fastifyJwt, {
        decode: { complete: true },
        secret: (_request, token) =>
          getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: token.payload.iss }),
        verify: {
          allowedIss: issuer,
          allowedAud: audience,
          algorithms: ALGORITHMS,
          ...(variant === 'fastify-jwt-cache' ? { cache: true } : {}),
        },
      })
      app.addHook('onRequest', (request) => request.jwtVerify())
      subject = (request) => request.user.sub
      break
    }
    default:
      throw new Error(`unknown fastify variant ${variant}`)
  }
  app.get('/api', async (request) => ({ sub: subject(request) }))
  return async (port) => {
    await app.listen({ port, host: '127.0.0.1' })
    return app.server
  }
}

export const FRAMEWORKS = {
  express: {
    build: expressApp,
    variants: [
      'bare',
      'noop',
      'floor',
      'tokenguard',
      'tokenguard-revocation',
      'tokenguard-redis-revocation',
      'tokenguard-redis-dpop',
      'express-jwt',
      'oauth2-jwt-bearer',
      'oauth2-jwt-bearer-dpop',
    ],
  },
  koa: {
    build: koaApp,
    variants: [
      'bare',
      'noop',
      'floor',
      'tokenguard',
      'tokenguard-revocation',
      'tokenguard-redis-revocation',
      'tokenguard-redis-dpop',
      'koa-jwt',
    ],
  },
  fastify: {
    build: fastifyApp,
    variants: [
      'bare',
      'noop',
      'floor',
      'tokenguard',
      'tokenguard-revocation',
      'tokenguard-redis-revocation',
      'tokenguard-redis-dpop',
      'fastify-jwt',
      'fastify-jwt-cache',
    ],
  },
}

/**
 * Variants measured in dpop mode (DPoP-bound tokens, a fresh proof per request). tokenguard needs no
 * option for it: DPoP is allowed by default, with its in-memory replay store on. Variants ending in
 * `-dpop` (a peer's DPoP, tokenguard with the Redis replay store) run in this mode only.
 */
export const DPOP_VARIANTS = new Set(['tokenguard', 'tokenguard-redis-dpop', 'oauth2-jwt-bearer-dpop'])

/** Variants measured warm only: cold, they would measure what another row already does. */
export const WARM_ONLY = new Set(['noop', 'tokenguard-revocation', 'tokenguard-redis-revocation'])

/** Variants measured cold only: the floor verifier has no cache, so warm it would repeat its cold row. */
export const COLD_ONLY = new Set(['floor'])

export const VARIANT_NAMES = {
  bare: 'bare (no auth)',
  noop: 'one no-op middleware (reference)',
  floor: 'floor verifier (reference)',
  tokenguard: 'tokenguard',
  'tokenguard-revocation': 'tokenguard + memory revocation store',
  'tokenguard-redis-revocation': 'tokenguard + Redis revocation store',
  'tokenguard-redis-dpop': 'tokenguard, DPoP with the Redis replay store',
  'express-jwt': 'express-jwt + jwks-rsa',
  'oauth2-jwt-bearer': 'express-oauth2-jwt-bearer',
  'oauth2-jwt-bearer-dpop': 'express-oauth2-jwt-bearer, DPoP (no replay protection)',
  'koa-jwt': 'koa-jwt + jwks-rsa',
  'fastify-jwt': '@fastify/jwt + get-jwks',
  'fastify-jwt-cache': '@fastify/jwt + get-jwks (cache: true)',
}
