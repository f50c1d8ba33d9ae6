// One API instance of a fleet, for the multi-process test: an Express, Koa or Fastify app using the BUILT
// packages (packages/*/dist: run `npx tsc --build` first) with the Redis revocation store and the Redis DPoP
// replay store.
// Configured by environment: FRAMEWORK, REDIS_SOCKET, ISSUER, AUDIENCE, PREFIX (revocation), REPLAY_PREFIX
// (DPoP proofs), STALE_WINDOW, PUBLIC_ORIGIN (the same for every instance, as behind one load balancer: a
// proof names that origin, so it is valid on every instance, and only the shared replay store stops it
// from being used twice).
// Routes: GET /protected (any valid token, Bearer or DPoP), POST /logout (revokes the caller's own token).
// Refusals are answered as `{ code }` with the error's status and headers, so the test can tell a 503 of
// the replay store from one of the revocation store.
// Tells the parent its port over IPC: { port }.
import { createClient } from 'redis'
import { createRedisReplayStore, createRedisRevocationStore } from '@tokenguard/redis'

const { FRAMEWORK, REDIS_SOCKET, ISSUER, AUDIENCE, PREFIX, REPLAY_PREFIX, STALE_WINDOW, PUBLIC_ORIGIN } =
  process.env

const client = createClient({
  socket: { path: REDIS_SOCKET, reconnectStrategy: (attempt) => Math.min(20 * 2 ** attempt, 200) },
})
client.on('error', () => undefined)
await client.connect()
const revocation = createRedisRevocationStore({
  client,
  prefix: PREFIX,
  staleWindow: Number(STALE_WINDOW),
  onError: () => undefined,
})
await revocation.ready()
const replayStore = createRedisReplayStore({ client, prefix: REPLAY_PREFIX })
const auth = {
  issuer: ISSUER,
  audience: AUDIENCE,
  revocation,
  publicOrigin: PUBLIC_ORIGIN,
  dpop: { replayStore },
}

async function logout(payload) {
  await revocation.revoke({ jti: payload.jti, exp: payload.exp, iss: payload.iss })
}

async function express() {
  const { default: createExpress } = await import('express')
  const { isAuthError, jwtAuth } = await import('@tokenguard/express')
  const app = createExpress()
  app.use(jwtAuth(auth))
  app.get('/protected', (req, res) => void res.json({ sub: req.auth.payload.sub }))
  app.post('/logout', (req, res, next) => void logout(req.auth.payload).then(() => res.sendStatus(204), next))
  app.use((error, _req, res, next) => {
    if (!isAuthError(error)) return next(error)
    res.status(error.status).set(error.headers).json({ code: error.code })
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

async function koa() {
  const { default: Koa } = await import('koa')
  const { isAuthError, jwtAuth } = await import('@tokenguard/koa')
  const app = new Koa()
  app.silent = true
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      if (!isAuthError(error)) throw error
      ctx.status = error.status
      ctx.set(error.headers)
      ctx.body = { code: error.code }
    }
  })
  app.use(jwtAuth(auth))
  app.use(async (ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/protected') ctx.body = { sub: ctx.state.auth.payload.sub }
    else if (ctx.method === 'POST' && ctx.path === '/logout') {
      await logout(ctx.state.auth.payload)
      ctx.status = 204
    }
  })
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

async function fastify() {
  const { default: Fastify } = await import('fastify')
  const { isAuthError, jwtAuth } = await import('@tokenguard/fastify')
  const app = Fastify()
  app.setErrorHandler((error, _request, reply) => {
    if (!isAuthError(error)) throw error
    return reply.code(error.status).headers(error.headers).send({ code: error.code })
  })
  await app.register(jwtAuth, auth)
  app.get('/protected', async (request) => ({ sub: request.auth.payload.sub }))
  app.post('/logout', async (request, reply) => {
    await logout(request.auth.payload)
    return reply.code(204).send()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

const start = { express, koa, fastify }[FRAMEWORK]
const port = await start()
process.send({ port })
process.on('disconnect', () => process.exit(0))
