/** The limit on things running at once, first come first served. */
import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../plugin/network/createLimiter.js';

describe('createLimiter', () => {
  it('runs at most `limit` at once, first come first served, and frees a slot on abort', async () => {
    const limiter = createLimiter(2);
    const signal = new AbortController().signal;
    const a = await limiter.acquire(signal);
    await limiter.acquire(signal);
    const order: string[] = [];
    const waiting = new AbortController();
    const c = limiter.acquire(waiting.signal);
    const d = limiter.acquire(signal).then((release) => (order.push('d'), release));
    waiting.abort(new Error('gone'));
    await expect(c).rejects.toThrow('gone');
    expect(limiter.active).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    await d;
    expect(order).toEqual(['d']);
    expect(limiter.active).toBe(2);
  });

  it('once full, lets waiters in again only at `refillAt` in use, then as many at once as are free', async () => {
    const limiter = createLimiter(4, { refillAt: 2 });
    const signal = new AbortController().signal;
    const held = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire(signal)));
    const granted: number[] = [];
    const waiters = [5, 6, 7, 8, 9].map((n) => limiter.acquire(signal).then((release) => (granted.push(n), release)));
    held[0]!();
    await Promise.resolve();
    expect(granted).toEqual([]); // 3 in use: above the mark, nobody gets in
    expect(limiter.active).toBe(3);
    held[1]!();
    await Promise.all(waiters.slice(0, 2));
    expect(granted).toEqual([5, 6]); // 2 in use: refilled to 4 at once, first come first served
    expect(limiter.active).toBe(4);
    const [five, six] = await Promise.all(waiters.slice(0, 2));
    five!();
    await Promise.resolve();
    expect(granted).toEqual([5, 6]); // 3 in use again: still above the mark
    six!();
    await Promise.all(waiters.slice(2, 4));
    expect(granted).toEqual([5, 6, 7, 8]);
    expect(limiter.active).toBe(4); // 9 waits for the next refill
  });
});
