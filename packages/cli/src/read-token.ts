import { UsageError } from './exit-codes.js'

/** Most bytes read from standard input: far above any real token, and a bound on a runaway pipe. */
const MAX_INPUT_BYTES = 64 * 1024

/** Where the command reads from and writes to (the process's streams, or a test's). */
export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > MAX_INPUT_BYTES)
      throw new UsageError(`standard input is over ${MAX_INPUT_BYTES} bytes: not a token`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Drops what people paste around a token: whitespace, quotes and an `Authorization: Bearer ` prefix. */
function clean(input: string): string {
  return input
    .trim()
    .replace(/^authorization:\s*/i, '')
    .replace(/^(bearer|dpop)\s+/i, '')
    .replace(/^["']|["']$/g, '')
    .trim()
}

/**
 * The token, from the positional argument or (the default) standard input. An argument is accepted with a
 * warning: it lands in the shell history and in `ps` output, where other users of the machine can read it.
 */
export async function readToken(argument: string | undefined, io: Io): Promise<string> {
  let raw: string
  if (argument !== undefined && argument !== '-') {
    io.stderr.write(
      'warning: a token given as an argument is kept in your shell history and visible in `ps`; pipe it on standard input instead\n',
    )
    raw = argument
  } else {
    if (io.stdin.isTTY) io.stderr.write('Paste the token, then press Enter and Ctrl-D:\n')
    raw = await readAll(io.stdin)
  }
  const token = clean(raw)
  if (token === '') throw new UsageError('no token: pipe one on standard input (or give it as an argument)')
  return token
}
