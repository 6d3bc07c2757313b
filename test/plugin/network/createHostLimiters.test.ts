/** One limiter per host a URL points at: URLs of one host share its slots, another host has its own. */
import { describe, expect, it } from 'vitest';
import { createHostLimiters } from '../../../plugin/network/createHostLimiters.js';

describe('createHostLimiters', () => {
  it('gives each host its own limit, whatever the path, query or scheme letters', async () => {
    const limiterFor = createHostLimiters(2);
    const signal = new AbortController().signal;
    const a = limiterFor('http://127.0.0.1:7480/uploads/k1?X-Amz-Signature=1');
    expect(limiterFor('HTTP://127.0.0.1:7480/uploads/k2?X-Amz-Signature=2')).toBe(a);
    await a.acquire(signal);
    await a.acquire(signal);
    let third = false;
    void a.acquire(signal).then(() => (third = true));
    // Another host, another limit: its requests go at once while the first host's are all taken.
    const b = limiterFor('http://localhost:7480/uploads/k3');
    expect(b).not.toBe(a);
    await b.acquire(signal);
    await b.acquire(signal);
    expect([a.active, b.active, third]).toEqual([2, 2, false]);
  });
});
