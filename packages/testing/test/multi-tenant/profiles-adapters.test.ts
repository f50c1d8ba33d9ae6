import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { profiles } from '@tokenguard/core'
import { makeKey, sign, type TestKey } from '../../../core/test/support/keys.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'

/** A provider profile through every adapter family: its checks hold even next to a permissive `validate`. */

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC'
let key: TestKey
beforeAll(async () => {
  key = await makeKey('RS256')
})

const token = (overrides: Record<string, unknown>) => {
  const iat = Math.floor(Date.now() / 1000)
  return sign(key, { iss: ISSUER, token_use: 'access', client_id: 'app', iat, exp: iat + 300, ...overrides })
}

describe.each(['Express 5', 'Koa 3', 'Fastify 5'])('%s with profiles.cognito', (name) => {
  let app: RunningApp
  beforeAll(async () => {
    app = await (FRAMEWORK_APPS[name] as (typeof FRAMEWORK_APPS)[string])({
      ...profiles.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientId: 'app' }),
      keys: key.publicJwk,
      validate: () => true,
    })
  })
  afterAll(() => app.close())

  it('accepts an access token of the app client and refuses an ID token or another client', async () => {
    const status = async (overrides: Record<string, unknown>) =>
      (
        await fetch(`${app.url}/protected`, {
          headers: { authorization: `Bearer ${await token(overrides)}` },
        })
      ).status
    expect(await status({})).toBe(200)
    expect(await status({ token_use: 'id', aud: 'app' })).toBe(401)
    expect(await status({ client_id: 'other' })).toBe(401)
  })
})

describe.each(['Express 5', 'Koa 3', 'Fastify 5'])('%s with profiles.okta', (name) => {
  const OKTA = 'https://acme.okta.com/oauth2/default'
  let app: RunningApp
  beforeAll(async () => {
    app = await (FRAMEWORK_APPS[name] as (typeof FRAMEWORK_APPS)[string])({
      ...profiles.okta({ domain: 'acme.okta.com', clientId: '0oa1app' }),
      keys: key.publicJwk,
      validate: () => true,
    })
  })
  afterAll(() => app.close())

  it('checks cid, and requireScopes reads the scp array', async () => {
    const status = async (path: string, overrides: Record<string, unknown>) =>
      (
        await fetch(`${app.url}${path}`, {
          headers: {
            authorization: `Bearer ${await token({ iss: OKTA, aud: 'api://default', cid: '0oa1app', scp: ['read:items'], token_use: undefined, client_id: undefined, ...overrides })}`,
          },
        })
      ).status
    expect(await status('/scoped', {})).toBe(200)
    expect(await status('/scoped', { scp: ['openid'] })).toBe(403)
    expect(await status('/protected', { cid: 'other' })).toBe(401)
    expect(await status('/protected', { aud: '0oa1app' })).toBe(401)
  })
})
