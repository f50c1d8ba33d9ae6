import { beforeAll, describe, expect, it } from '@jest/globals'
import { buildCli, runCli } from './run-cli.js'

beforeAll(() => buildCli(), 120_000)

const VERIFY = ['verify', '--issuer', 'https://idp.example/', '--audience', 'api']

describe('tokenguard usage', () => {
  it('prints help for the top level and each command, with the exit codes', async () => {
    const top = await runCli(['--help'])
    expect(top.code).toBe(0)
    expect(top.stdout).toContain(
      'Exit codes: 0 valid, 1 invalid, 2 usage error, 3 keys or issuer unreachable.',
    )
    for (const command of ['inspect', 'verify', 'keys']) {
      expect(top.stdout).toContain(`  ${command}`)
      const help = await runCli([command, '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(new RegExp(`^Usage: tokenguard ${command}`))
      expect(help.stdout).toContain('Exit codes:')
    }
  })

  it('exits 2 with the help on stderr when no command is given', async () => {
    const run = await runCli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('Usage: tokenguard <command>')
  })

  it.each([
    [['decode'], 'unknown command "decode" (inspect, verify or keys)'],
    [['inspect', '--bogus'], "Unknown option '--bogus'"],
    [['verify', '--audience', 'api'], '--issuer is required'],
    [['verify', '--issuer', 'https://idp.example/'], '--audience is required (or --any-audience'],
    [[...VERIFY, '--clock-tolerance', 'soon'], '--clock-tolerance must be a number'],
    [[...VERIFY, '--clock-tolerance', '3600'], 'option "clockTolerance"'],
    [[...VERIFY, '--token-type', 'id+jwt'], '--token-type must be at+jwt'],
    [[...VERIFY, '--scopes', 'has"quote'], 'option "requireScopes"'],
    [['verify', '--issuer', 'http://idp.example/', '--audience', 'api'], 'option "issuer" must use https:'],
    [['keys'], 'give --issuer or --jwks-uri'],
    [
      ['keys', '--jwks-uri', 'http://[::2]:9/jwks', '--allow-http-hosts', 'http://[::2]:9'],
      'option "allowHttpHosts[0]"',
    ],
    [['inspect', 'a', 'b'], 'unexpected argument(s)'],
  ])('exits 2 for %j', async (args, message) => {
    const run = await runCli(args, 'x.y.z')
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr.startsWith('error: ')).toBe(true)
    expect(run.stderr).toContain(message)
    expect(run.stderr).toMatch(/Run `tokenguard (\w+ )?--help` for usage\./)
  })

  it('exits 2 when standard input holds no token', async () => {
    const run = await runCli(['inspect'], '  \n')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('error: no token: pipe one on standard input')
  })

  it('lets --allow-http-hosts reach a plain-http host that is not loopback', async () => {
    const refused = await runCli(['keys', '--jwks-uri', 'http://[::2]:9/jwks'])
    expect(refused.code).toBe(2)
    const allowed = await runCli([
      'keys',
      '--jwks-uri',
      'http://[::2]:9/jwks',
      '--allow-http-hosts',
      '[::2]:9',
      '--timeout',
      '500',
    ])
    // Allowed, so the fetch is tried: nothing listens there, hence unreachable rather than a usage error.
    expect(allowed.code).toBe(3)
  })
})
