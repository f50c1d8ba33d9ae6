// `express4` is an npm alias of express@4; its API is typed well enough by @types/express for these tests.
declare module 'express4' {
  import express from 'express'
  export default express
}
