import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

/**
 * A real HTTP server on 127.0.0.1 (random port) serving a JWK Set and issuer metadata. Its behaviour can be
 * changed at run time to inject faults (hang, slow drip, errors, huge bodies, redirects).
 */
export interface JwksServer {
  url: string
  /** Issuer URL whose discovery documents this server serves (`${url}/issuer`). */
  issuer: string
  jwksUri: string
  /** Requests received per path. */
  hits: Map<string, number>
  totalHits(path?: string): number
  setKeys(keys: unknown[]): void
  /** Extra response headers for the JWK Set (e.g. Cache-Control). */
  jwksHeaders: Record<string, string>
  /** Replaces the handler of a path; `undefined` restores the default. */
  override(path: string, handler: Handler | undefined): void
  close(): Promise<void>
}

export async function startJwksServer(initialKeys: unknown[] = []): Promise<JwksServer> {
  let keys = initialKeys
  const overrides = new Map<string, Handler>()
  const hits = new Map<string, number>()
  const sockets = new Set<Socket>()
  let base = ''

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const custom = overrides.get(path)
    if (custom) return custom(req, res)
    if (path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json', ...api.jwksHeaders })
      return res.end(JSON.stringify({ keys }))
    }
    if (path === '/issuer/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ issuer: `${base}/issuer`, jwks_uri: `${base}/jwks` }))
    }
    res.writeHead(404).end()
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const api: JwksServer = {
    url: base,
    issuer: `${base}/issuer`,
    jwksUri: `${base}/jwks`,
    hits,
    totalHits: (path) => (path ? (hits.get(path) ?? 0) : [...hits.values()].reduce((a, b) => a + b, 0)),
    setKeys: (next) => {
      keys = next
    },
    jwksHeaders: {},
    override: (path, handler) => (handler ? overrides.set(path, handler) : overrides.delete(path)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  return api
}
