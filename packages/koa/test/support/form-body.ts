import { parse } from 'node:querystring'
import type { Middleware } from 'koa'

/**
 * A minimal urlencoded body parser standing in for `@koa/bodyparser` in tests: bounded, form bodies only,
 * leaving the fields on `ctx.request.body` as the real parsers do (repeated fields become arrays).
 */
export function formBody(limit = 16 * 1024): Middleware {
  return async (ctx, next) => {
    if (ctx.is('application/x-www-form-urlencoded')) {
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > limit) ctx.throw(413)
        chunks.push(chunk)
      }
      ;(ctx.request as { body?: unknown }).body = { ...parse(Buffer.concat(chunks).toString('utf8')) }
    }
    return next()
  }
}
