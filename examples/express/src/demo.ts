// `npm start` from the repository root: the Express example, protected by an embedded local issuer
// (or by your provider when ISSUER and AUDIENCE are set), with ready-to-paste curl commands.
// The tokens printed here are the point of the demo: they are test tokens from a throwaway local issuer.
// Nothing else in this repository ever prints a token.
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { createApp } from './app.js'
import { parsePort, PortInUseError, serve, stopOnSignal, type RunningServer } from './serve.js'

const DEFAULT_PORT = 3000
const HOST = '127.0.0.1'

/** One printed command: what it requests and which status it must get. */
interface DemoCommand {
  /** The status the command gets, or a sentence when it depends on the user's token. */
  expect: string
  path: string
  /** The literal token, or `$TOKEN` for the user's own. */
  token?: string
}

function curl(base: string, { expect, path, token }: DemoCommand): string {
  const auth = token === undefined ? '' : ` -H "Authorization: Bearer ${token}"`
  return `# expect ${expect}\ncurl -i${auth} ${base}${path}\n`
}

async function localIssuerCommands(issuer: TestIssuer): Promise<DemoCommand[]> {
  const now = Math.floor(Date.now() / 1000)
  const reader = await issuer.sign({ sub: 'demo-user', name: 'Demo User', scope: 'read:items profile' })
  const profileOnly = await issuer.sign({ sub: 'demo-user', name: 'Demo User', scope: 'profile' })
  const expired = await issuer.sign({
    sub: 'demo-user',
    scope: 'read:items',
    iat: now - 7200,
    exp: now - 3600,
  })
  return [
    { expect: '200: public route, no token needed', path: '/health' },
    { expect: '200: a valid token; the API answers with its claims', path: '/me', token: reader },
    { expect: '200: a valid token with the read:items scope', path: '/items', token: reader },
    { expect: '401: no token (WWW-Authenticate: Bearer)', path: '/me' },
    { expect: '401: an expired token (error="invalid_token")', path: '/me', token: expired },
    {
      expect: '403: a valid token without read:items (error="insufficient_scope")',
      path: '/items',
      token: profileOnly,
    },
  ]
}

function providerCommands(): DemoCommand[] {
  return [
    { expect: '200: public route, no token needed', path: '/health' },
    { expect: '401: no token', path: '/me' },
    { expect: '200: your token is valid; the API answers with its claims', path: '/me', token: '$TOKEN' },
    { expect: '200 if your token has the read:items scope, 403 otherwise', path: '/items', token: '$TOKEN' },
  ]
}

function fail(message: string): never {
  console.error(`tokenguard demo: ${message}`)
  process.exit(1)
}

async function main(): Promise<void> {
  const { ISSUER, AUDIENCE } = process.env
  let port: number
  try {
    port = parsePort(process.env.PORT, DEFAULT_PORT)
  } catch (error) {
    fail((error as Error).message)
  }
  if (Boolean(ISSUER) !== Boolean(AUDIENCE))
    fail(
      'set both ISSUER and AUDIENCE to use your identity provider, or neither for the embedded local issuer',
    )

  // ES256 keeps the printed tokens short enough to paste comfortably.
  const issuer = ISSUER ? undefined : await createTestIssuer({ alg: 'ES256' })
  let server: RunningServer
  try {
    // Options are checked here, so a bad ISSUER is reported now rather than on the first request.
    const app = createApp(
      issuer ? { issuer: issuer.url, audience: issuer.audience } : { issuer: ISSUER!, audience: AUDIENCE! },
    )
    server = await serve(app, port, HOST)
  } catch (error) {
    await issuer?.close()
    if (error instanceof PortInUseError)
      fail(`${error.message}. Stop whatever uses it, or choose another port: PORT=${port + 1} npm start`)
    fail(`cannot start: ${(error as Error).message}`)
  }
  stopOnSignal(async () => {
    await server.close()
    await issuer?.close()
    console.log('\ntokenguard demo stopped.')
  })

  const lines: string[] = []
  if (issuer) {
    lines.push(
      'tokenguard demo: the Express example (examples/express), protected by an embedded local issuer.',
      '',
      `  API     ${server.url}`,
      `  issuer  ${issuer.url} (keys generated at start-up; audience ${String(issuer.audience)})`,
      '',
      'The tokens below are TEST tokens signed by this local issuer, valid for one hour and only against this',
      'demo (restart it for fresh ones). Paste any command into another terminal:',
      '',
      ...(await localIssuerCommands(issuer)).map((command) => curl(server.url, command)),
    )
  } else {
    lines.push(
      `tokenguard demo: the Express example (examples/express), protected by ${ISSUER}`,
      '',
      `  API       ${server.url}`,
      `  audience  ${AUDIENCE}`,
      '',
      `Get an access token for the audience ${AUDIENCE} from your provider (ask for the read:items scope to`,
      'reach /items), keep it in a shell variable (export TOKEN=...), then run:',
      '',
      ...providerCommands().map((command) => curl(server.url, command)),
    )
  }
  lines.push('Press Ctrl-C to stop.')
  console.log(lines.join('\n'))
}

await main()
