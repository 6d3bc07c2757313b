import type { Digest } from '../md5/digest.js';
import type { RunContext } from './RunContext.js';

/**
 * The whole file's MD5 (part 0), with its timeline events, kept in the digests for the next
 * attempt or run; `undefined` with `md5: false`. A single-request run asks again after S3 refused
 * the bytes (the file may have changed).
 */
export async function hashWholeFile({ file, events, digests }: Pick<RunContext, 'file' | 'events' | 'digests'>, signal: AbortSignal): Promise<Digest | undefined> {
  events.timeline({ type: 'hash-start', partNumber: 0 });
  const digest = await digests.md5(file.data, signal);
  events.timeline({ type: 'hash-end', partNumber: 0 });
  if (digest) digests.set(0, digest);
  return digest;
}
