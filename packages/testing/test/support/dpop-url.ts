import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '../../src/index.js'
import { sendRaw } from './raw-http.js'

/**
 * For the adapters' `dpop-url` tests: which URI must a proof name to pass, as the framework sees the
 * request (trust-proxy settings, mount points, ports)? One issuer and one client key per test file.
 */
export interface UrlProbe {
  readonly issuer: TestIssuer
  /** The options of `jwtAuth` (DPoP allowed, its default). */
  readonly options: { issuer: string; audience: string | string[] }
  /**
   * Sends `GET path` (default `/protected`) to the app with a bound token and a fresh proof naming `htu`,
   * plus `headers` (e.g. a forged `Host`); resolves to the status.
   */
  status(
    appUrl: string,
    htu: string,
    request?: { path?: string; headers?: Array<[string, string]> },
  ): Promise<number>
  close(): Promise<void>
}

export async function createUrlProbe(): Promise<UrlProbe> {
  const [issuer, client]: [TestIssuer, DpopClient] = await Promise.all([
    createTestIssuer(),
    createDpopClient(),
  ])
  const token = await issuer.sign({ cnf: { jkt: client.thumbprint } })
  return {
    issuer,
    options: { issuer: issuer.url, audience: issuer.audience },
    async status(appUrl, htu, request = {}) {
      const proof = await client.proof({ url: htu, accessToken: token })
      const res = await sendRaw(appUrl, {
        path: request.path ?? '/protected',
        headers: [['authorization', `DPoP ${token}`], ['dpop', proof], ...(request.headers ?? [])],
      })
      return res.status
    },
    close: () => issuer.close(),
  }
}
