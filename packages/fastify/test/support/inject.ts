import type { FastifyInstance } from 'fastify'
import request from 'supertest'

/**
 * `app.inject()` look-alike over real HTTP (supertest on `app.server`). Fastify 5's own inject loads an
 * ESM-only dependency through `require()`, which Jest's module runtime cannot do on Node 20.
 */
export async function inject(
  app: FastifyInstance,
  options: { url: string; headers?: Record<string, string> },
) {
  const res = await request(app.server)
    .get(options.url)
    .set(options.headers ?? {})
  return {
    statusCode: res.status,
    headers: res.headers,
    body: res.text,
    json: () => JSON.parse(res.text) as unknown,
  }
}
