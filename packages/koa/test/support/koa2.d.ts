// `koa2` is an npm alias of koa@2; its API is typed well enough by @types/koa for these tests.
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
