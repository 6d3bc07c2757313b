import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Writes `size` random bytes to `path` (8 MiB at a time), for the page to upload from disk. */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(8 * 1024 * 1024, size - written));
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
}
