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
