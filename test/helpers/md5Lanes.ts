/** Driving an MD5 of lanes in tests: node:crypto to compare with, and a reading that behaves as readBlob does. */
import { createHash } from 'node:crypto';
import type { Md5Lanes } from '../../plugin/md5/Md5Lanes.js';
import { hashInLanes } from '../../plugin/hashing/hashInLanes.js';
import type { BlobReading } from '../../plugin/hashing/readBlob.js';

export const nodeMd5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * A reading that hands out `data` cut at `cuts`, as readBlob does: each chunk in one reused buffer
 * that the next call overwrites (with garbage first), so a scheduler that kept a chunk past the
 * next call would hash wrong bytes.
 */
export function readingOf(data: Uint8Array, cuts: number[] = [data.length]): BlobReading {
  const points = [0, ...cuts.map((cut) => Math.min(cut, data.length)).sort((a, b) => a - b), data.length];
  let buffer = new Uint8Array(0);
  let i = 1;
  return {
    async next() {
      await Promise.resolve();
      buffer.fill(0xa5);
      if (i >= points.length) return undefined;
      const chunk = data.subarray(points[i - 1], points[i]);
      i++;
      if (buffer.length < chunk.length) buffer = new Uint8Array(chunk.length);
      buffer.set(chunk);
      return buffer.subarray(0, chunk.length);
    },
  };
}

/** Each input's MD5 through `hashInLanes` over `hasher`, all given at once (cut at `cutsOf(i)`). */
export async function md5All(hasher: Md5Lanes, inputs: Uint8Array[], cutsOf: (i: number) => number[] | undefined = () => undefined): Promise<string[]> {
  const hash = hashInLanes(Promise.resolve(hasher));
  const digests = await Promise.all(inputs.map((data, i) => hash(readingOf(data, cutsOf(i)), [data.length])[0]!));
  return digests.map(({ digest }) => hex(digest));
}
