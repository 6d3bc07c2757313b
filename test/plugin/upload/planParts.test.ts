/** Part planning: S3's part-size and part-count limits. */
import { describe, expect, it } from 'vitest';
import { MAX_OBJECT_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../../contract.js';
import { planParts } from '../../../plugin/upload/planParts.js';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('cuts equal parts and a shorter last one', () => {
    const parts = planParts(20 * MiB + 1, 8 * MiB);
    expect(parts.map((part) => part.size)).toEqual([8 * MiB, 8 * MiB, 4 * MiB + 1]);
    expect(parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    expect(parts[2]).toMatchObject({ start: 16 * MiB, end: 20 * MiB + 1 });
  });

  it('never goes below 5 MiB nor above 10,000 parts', () => {
    expect(planParts(12 * MiB, 1 * MiB)[0]!.size).toBe(MIN_PART_SIZE);
    const parts = planParts(MAX_OBJECT_SIZE, 8 * MiB); // 5 TiB would be 655,360 parts of 8 MiB
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS); // whole-MiB parts: 9,987 of 525 MiB
    expect(new Set(parts.slice(0, -1).map((part) => part.size)).size).toBe(1);
    expect(parts.at(-1)!.end).toBe(MAX_OBJECT_SIZE);
  });

  it('plans no part for an empty file', () => expect(planParts(0, 8 * MiB)).toEqual([]));
});
