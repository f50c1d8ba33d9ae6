import { createServer } from 'node:http'
import { URL } from 'node:url'

/**
 * The issuer's side, on loopback: a JWK Set (at the paths the peers expect) and discovery metadata. Every
 * app under test fetches its keys from here once and caches them, so this server sees almost no load.
 */
export async function startJwksServer(keys) {
  let base = ''
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/.well-known/jwks.json' || path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' })
      return res.end(JSON.stringify({ keys }))
    }
    if (path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ issuer: `${base}/`, jwks_uri: `${base}/.well-known/jwks.json` }))
    }
    res.writeHead(404).end()
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
  return {
    base,
    issuer: `${base}/`,
    jwksUri: `${base}/.well-known/jwks.json`,
    setKeys(next) {
      keys = next
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}
