import type { FetchLike } from '../core/api.ts';

/**
 * The CLI's fetch. Node's fetch (undici) keeps every piece of a streamed request body it has
 * sent, so that it could send the body again on a redirect (nodejs/undici#4058): an upload
 * held the whole file in memory however it was read. A streamed body cannot be followed
 * through a redirect anyway (fetch refuses to replay a stream), so with `redirect: 'error'`
 * nothing changes but the memory: each piece is let go once written.
 */
export const nodeFetch: FetchLike = (input, init) => fetch(input, init.body instanceof ReadableStream ? { ...init, redirect: 'error' } : init);
