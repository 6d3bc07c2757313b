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
});
