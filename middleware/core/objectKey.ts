import { randomBytes } from 'node:crypto';

const MAX_NAME_LENGTH = 120;

/**
 * Makes a file name safe to end an object key with: letters and digits of any script, `.`, `_`
 * and `-` are kept, every other run of characters becomes `_`, leading dots are dropped, and the
 * name is shortened (keeping its extension) to 120 characters. Never empty.
 *
 * @example sanitizeFilename('My Holiday (1).JPG') // 'My_Holiday_1_.JPG'
 */
export function sanitizeFilename(filename: string): string {
  const cleaned = filename
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '');
  if (cleaned === '') return 'file';
  if (cleaned.length <= MAX_NAME_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, MAX_NAME_LENGTH - extension.length) + extension;
}

/**
 * The default object key: the caller's prefix, a random id (128 bits, so keys never collide or
 * get guessed), and the sanitised file name: `uploads/6f1c…9a/My_Holiday.JPG`.
 */
export function createObjectKey(prefix: string, filename: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}/${sanitizeFilename(filename)}`;
}

/** Whether `key` lies inside `prefix` (the empty prefix holds every key). */
export function isKeyInPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix) && key.length > prefix.length;
}
