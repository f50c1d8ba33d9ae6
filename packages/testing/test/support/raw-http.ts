import { Agent, request, type IncomingHttpHeaders } from 'node:http'

/** A request as it goes on the wire: header lines in order, so a name may appear twice. */
export interface RawRequest {
  method?: string
  /** Path and query, e.g. `/protected?access_token=…`. */
  path?: string
  /** Header lines `[name, value]`, sent as given (a repeated name is two real header lines). */
  headers?: Array<[string, string]>
}

export interface RawResponse {
  status: number
  /** Node's parsed headers (a repeated header is joined or kept as an array). */
  headers: IncomingHttpHeaders
  /** Every response header line, `[name, value, name, value, …]` as received. */
  rawHeaders: string[]
  body: string
}

/** A keep-alive agent; pass one per test file and destroy it afterwards. */
export function keepAliveAgent(maxSockets = 32): Agent {
  return new Agent({ keepAlive: true, maxSockets })
}

/**
 * Sends one request over node:http with exactly the header lines given (supertest and fetch merge a
 * repeated header into one line, which hides what a server does with two). `Host` is added when absent.
 */
export function sendRaw(baseUrl: string, req: RawRequest, agent?: Agent): Promise<RawResponse> {
  const url = new URL(req.path ?? '/protected', baseUrl)
  const lines = req.headers ?? []
  const flat = lines.some(([name]) => name.toLowerCase() === 'host') ? [] : ['host', url.host]
  for (const [name, value] of lines) flat.push(name, value)
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: req.method ?? 'GET', headers: flat, ...(agent ? { agent } : {}) },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end()
  })
}
