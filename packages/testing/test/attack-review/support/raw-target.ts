import { connect } from 'node:net'
import express5 from 'express'
import { jwtAuth, type JwtAuthOptions } from '@tokenguard/express'
import { listen } from '../../../../express/test/support/app.js'

/**
 * Attack review helpers. `rawRequest` writes the request line byte for byte: node:http and fetch resolve
 * dot segments and refuse absolute-form targets, which hides what a server does with them.
 */

export interface RawAnswer {
  status: number
  /** Status line, headers and body, as received. */
  text: string
}

export function rawRequest(
  baseUrl: string,
  target: string,
  headers: Array<[string, string]>,
  method = 'GET',
): Promise<RawAnswer> {
  const { hostname, port, host } = new URL(baseUrl)
  const lines = headers.some(([name]) => name.toLowerCase() === 'host') ? [] : [`Host: ${host}`]
  for (const [name, value] of headers) lines.push(`${name}: ${value}`)
  const head = `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed socket makes node:http drop a response still being computed.
    const socket = connect(Number(port), hostname, () => socket.write(head))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text })
    })
  })
}

export interface ProbeApp {
  url: string
  close(): Promise<void>
}

/**
 * An Express 5 app (production mode, default error handler) with `jwtAuth(options)` at `mount` and a
 * catch-all after it: any path answers 200 once authentication passed, so "passed" is visible whatever
 * the router makes of an odd path.
 */
export async function expressProbeApp(options: Record<string, unknown>, mount = '/'): Promise<ProbeApp> {
  const app = express5()
  app.set('env', 'production')
  const router = express5.Router()
  router.use(jwtAuth(options as unknown as JwtAuthOptions))
  router.use((req, res) => {
    res.json({ passed: true, binding: req.auth?.binding ?? null })
  })
  app.use(mount, router)
  return listen(app)
}
