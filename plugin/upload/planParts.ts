import { choosePartSize, MAX_PART_SIZE, MIN_PART_SIZE } from '../../contract.js';

/** One part of a file: bytes `[start, end)`. */
export interface PlannedPart {
  partNumber: number;
  start: number;
  end: number;
  size: number;
}

/**
 * Cuts a file into parts of `preferredSize` (clamped to 5 MiB..5 GiB and raised to fit 10,000
 * parts): every part but the last has the same size, as R2 requires.
 */
export function planParts(fileSize: number, preferredSize: number): PlannedPart[] {
  const partSize = choosePartSize(fileSize, Math.min(Math.max(preferredSize, MIN_PART_SIZE), MAX_PART_SIZE));
  const parts: PlannedPart[] = [];
  for (let start = 0, partNumber = 1; start < fileSize; start += partSize, partNumber += 1) {
    const end = Math.min(start + partSize, fileSize);
    parts.push({ partNumber, start, end, size: end - start });
  }
  return parts;
}
