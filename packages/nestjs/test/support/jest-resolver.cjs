/* global module */
// Jest's CommonJS loader cannot require() an ES module on Node 20 (Node itself can, from 20.19), and
// @fastify/middie (loaded by @nestjs/platform-fastify) require()s its own copy of path-to-regexp 9, which is
// ESM-only. Under Jest only, that one request resolves to the workspace's path-to-regexp 8 (CommonJS, the
// copy @nestjs/platform-fastify and Express 5 use), which has the same `parse` and `pathToRegexp`. Every other
// resolution is Jest's default.
const MIDDIE = /[\\/]@fastify[\\/]middie[\\/]/

module.exports = (request, options) =>
  request === 'path-to-regexp' && MIDDIE.test(options.basedir)
    ? options.defaultResolver(request, { ...options, basedir: options.rootDir })
    : options.defaultResolver(request, options)
