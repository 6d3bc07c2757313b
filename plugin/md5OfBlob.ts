import type { IHasher } from 'hash-wasm';

/** Bytes read at a time: memory stays bounded by this, whatever the part size. */
export const READ_CHUNK_SIZE = 4 * 1024 * 1024;

/** MD5 of a Blob (a part's `File.slice`), read piece by piece into an incremental hasher. */
export async function md5OfBlob(blob: Blob, hasher: IHasher, chunkSize = READ_CHUNK_SIZE): Promise<Uint8Array> {
  hasher.init();
  for (let offset = 0; offset < blob.size; offset += chunkSize) {
    const bytes = new Uint8Array(await blob.slice(offset, offset + chunkSize).arrayBuffer());
    hasher.update(bytes);
  }
  return hasher.digest('binary');
}
