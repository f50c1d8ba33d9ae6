import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A listening HTTP server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string
  readonly port: number
  /** Stops accepting connections and drops idle keep-alive ones; resolves once the server is closed. */
  close(): Promise<void>
}

/** Thrown by {@link serve} when the port is taken, with a message fit for the terminal. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`port ${port} on ${host} is already in use`)
    this.name = 'PortInUseError'
  }
}

/**
 * Parses a `PORT` value: an integer from 0 (any free port) to 65535. `undefined` or `''` gives `fallback`.
 * @throws TypeError naming the variable
 */
export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const port = Number(value)
  if (!/^\d+$/.test(value.trim()) || port > 65535)
    throw new TypeError(`"PORT" must be 0–65535, got "${value}"`)
  return port
}

/** Listens on `host:port` (0 picks a free port). */
export async function serve(
  handler: RequestListener,
  port: number,
  host = '127.0.0.1',
): Promise<RunningServer> {
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host) : error),
    )
    server.listen(port, host, resolve)
  })
  const actual = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // curl and fetch keep connections alive; without this, close() would wait for them to time out.
        server.closeIdleConnections()
      }),
  }
}

/**
 * Runs `stop` on the first SIGINT (Ctrl-C) or SIGTERM, then lets the process end by itself with exit code 0
 * (1 if `stop` fails or takes longer than `timeoutMs`).
 */
export function stopOnSignal(stop: () => Promise<void>, timeoutMs = 5000): void {
  let stopping = false
  const onSignal = (): void => {
    // Under `npm start`, Ctrl-C reaches this process twice (from the terminal and forwarded by npm): a
    // repeated signal must not turn a clean stop into a failure.
    if (stopping) return
    stopping = true
    const deadline = setTimeout(() => {
      console.error(`could not stop within ${timeoutMs} ms, exiting`)
      process.exit(1)
    }, timeoutMs).unref()
    stop().then(
      () => {
        clearTimeout(deadline)
        process.exitCode = 0
      },
      (error: unknown) => {
        clearTimeout(deadline)
        console.error('error while stopping:', error)
        process.exitCode = 1
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
