import type { BlobBody } from './blob-store.js';

/** Checks the optional `maxBytes` of a put before anything is read. */
export function checkMaxBytes(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw new RangeError('maxBytes must be a non-negative safe integer');
  }
}

/**
 * The chunks of a body, each checked to be bytes: a string chunk (a stream with an encoding set)
 * would be hashed and stored as something other than what the caller meant.
 */
export async function* bodyChunks(body: BlobBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  for await (const chunk of body) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('blob body chunks must be Uint8Array (a stream with an encoding set?)');
    yield chunk;
  }
}
