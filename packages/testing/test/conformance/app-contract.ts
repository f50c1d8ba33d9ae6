/**
 * What each framework's conformance app must do, so one table can drive Express, Koa and Fastify alike.
 *
 * - `jwtAuth(options)` applied to every route (Fastify: registered at the root scope);
 * - `GET /protected` and `POST /protected` answer 200 `{ "auth": <payload or null> }`;
 * - a urlencoded body parser runs before `jwtAuth` (Fastify: a form content-type parser), for `body`;
 * - `GET /scoped` is guarded by `requireScopes('read:items')` and answers 200 `{ "ok": true }`;
 * - `OPTIONS /protected` answers 204 (a CORS preflight handler);
 * - production mode wherever the framework has one, and its default error handler.
 */
export interface ConformanceServer {
  /** Base URL of the app, listening on 127.0.0.1. */
  url: string
  close(): Promise<void>
}

/** Builds and starts one app protected by `jwtAuth(options)`. */
export type ConformanceAppFactory = (options: Record<string, unknown>) => Promise<ConformanceServer>

export const SCOPE = 'read:items'
