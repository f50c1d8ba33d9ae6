/**
 * The apps under test, one per framework and variant, all answering `GET /api` with the same small JSON
 * body. `bare` is the framework alone (the ceiling); `noop` adds one middleware that does nothing (the
 * floor of any middleware, for reference); `tokenguard` is our adapter; the others are each
 * framework's popular peers, configured as their READMEs show, against the same loopback JWK Set.
 */

const ALGORITHMS = ['RS256']

/** Imports an adapter's `jwtAuth`, or explains why it is not there yet. */
async function adapter(name) {
  const module = await import(`@tokenguard/${name}`)
  if (typeof module.jwtAuth !== 'function') throw new Error(`@tokenguard/${name} does not export jwtAuth yet`)
  return module.jwtAuth
}

async function expressApp(variant, { issuer, audience, jwksUri }) {
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
    case 'tokenguard': {
      const jwtAuth = await adapter('express')
      app.use(jwtAuth({ issuer, audience, jwksUri }))
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

async function koaApp(variant, { issuer, audience, jwksUri }) {
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
    case 'tokenguard': {
      const jwtAuth = await adapter('koa')
      app.use(jwtAuth({ issuer, audience, jwksUri }))
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

async function fastifyApp(variant, { issuer, audience, jwksUri }) {
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
    case 'tokenguard': {
      const jwtAuth = await adapter('fastify')
      await app.register(jwtAuth, { issuer, audience, jwksUri })
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
    variants: ['bare', 'noop', 'tokenguard', 'express-jwt', 'oauth2-jwt-bearer'],
  },
  koa: { build: koaApp, variants: ['bare', 'noop', 'tokenguard', 'koa-jwt'] },
  fastify: {
    build: fastifyApp,
    variants: ['bare', 'noop', 'tokenguard', 'fastify-jwt', 'fastify-jwt-cache'],
  },
}

export const VARIANT_NAMES = {
  bare: 'bare (no auth)',
  noop: 'one no-op middleware (reference)',
  tokenguard: 'tokenguard',
  'express-jwt': 'express-jwt + jwks-rsa',
  'oauth2-jwt-bearer': 'express-oauth2-jwt-bearer',
  'koa-jwt': 'koa-jwt + jwks-rsa',
  'fastify-jwt': '@fastify/jwt + get-jwks',
  'fastify-jwt-cache': '@fastify/jwt + get-jwks (cache: true)',
}
