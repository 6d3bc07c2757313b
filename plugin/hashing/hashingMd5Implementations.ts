import { md5Implementations, type Md5Implementation } from '../md5/createMd5Lanes.js';
import { blobByobSupported } from './blobByobSupported.js';

/**
 * The MD5 implementations the hashing takes, fastest first. The SIMD lanes only pay where Blob
 * streams have a BYOB reader: without one (WebKit) the pool reads one part at a time per worker
 * (createHashPool's `lanes`), which the one-lane MD5 hashes faster than one lane of eight.
 */
export const hashingMd5Implementations: readonly Md5Implementation[] = md5Implementations.map((implementation) =>
  implementation.name === 'wasm-simd' ? { ...implementation, supported: () => implementation.supported() && blobByobSupported() } : implementation,
);
