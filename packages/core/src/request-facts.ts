import type { HeadersLike } from './extract-token.js'

/** What an adapter tells the authenticator about a request, whatever the framework. */
export interface RequestFacts {
  method: string
  headers: HeadersLike
  /** Node's `rawHeaders`, so a repeated `Authorization` header is detected. */
  rawHeaders?: readonly string[]
  /** Path and query, needed for the `query` option. */
  url?: string
  /**
   * The body as the framework's parser left it (an object of form fields), needed for the `body` option;
   * read only when that option is set and the request is a form post.
   */
  body?: unknown
}
