/** Gathering single calls into batch requests: who goes together, what each item gets back. */
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../../plugin/network/createBatcher.js';

/** A `send` that records its batches and answers when the test says so. */
function recordingSend() {
  const batches: number[][] = [];
  const answers: Array<(results: Array<number | Error>) => void> = [];
  const send = (items: number[]) =>
    new Promise<Array<number | Error>>((resolve) => {
      batches.push(items);
      answers.push(resolve);
    });
  return { send, batches, answer: (index: number, results: Array<number | Error>) => answers[index]!(results) };
}
/** Two turns of the event loop: an answer's handlers run, then the next batch leaves on its timer. */
const tick = async () => {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
};
const open = () => new AbortController().signal;

describe('createBatcher', () => {
  it('sends the items of one turn together, and those added while batches are out in the next, up to max', async () => {
    const { send, batches, answer } = recordingSend();
    const batcher = createBatcher<number, number>({ send, max: 3, concurrency: 1 });
    const first = [1, 2].map((n) => batcher.add(n, open()));
    await tick();
    const later = [3, 4, 5, 6].map((n) => batcher.add(n, open()));
    await tick();
    expect(batches).toEqual([[1, 2]]); // one batch out at a time
    answer(0, [10, 20]);
    expect(await Promise.all(first)).toEqual([10, 20]);
    await tick();
    expect(batches).toEqual([[1, 2], [3, 4, 5]]);
    answer(1, [30, 40, 50]);
    await tick();
    expect(batches.at(-1)).toEqual([6]);
    answer(2, [60]);
    expect(await Promise.all(later)).toEqual([30, 40, 50, 60]);
  });

  it('rejects one item with its own error, every item of a batch whose request failed, and an item whose signal aborts', async () => {
    const { send, batches, answer } = recordingSend();
    const batcher = createBatcher<number, number>({ send, max: 10, concurrency: 2 });
    const aborted = new AbortController();
    const items = [batcher.add(1, open()), batcher.add(2, open()), batcher.add(3, aborted.signal)];
    for (const item of items) item.catch(() => {}); // judged below
    aborted.abort(new Error('paused'));
    await tick();
    expect(batches).toEqual([[1, 2]]); // the aborted one never left
    answer(0, [10, new Error('refused alone')]);
    await expect(items[0]).resolves.toBe(10);
    await expect(items[1]).rejects.toThrow('refused alone');
    await expect(items[2]).rejects.toThrow('paused');

    const failing = createBatcher<number, number>({ send: () => Promise.reject(new Error('server down')), max: 10 });
    const both = [failing.add(1, open()), failing.add(2, open())];
    for (const item of both) item.catch(() => {}); // judged below
    for (const item of both) await expect(item).rejects.toThrow('server down');
  });

  it('an item aborted after its batch left rejects at once, without waiting for the answer', async () => {
    const { send, answer } = recordingSend();
    const batcher = createBatcher<number, number>({ send, max: 10 });
    const controller = new AbortController();
    const item = batcher.add(1, controller.signal);
    item.catch(() => {}); // judged below
    await tick();
    controller.abort(new Error('removed'));
    await expect(item).rejects.toThrow('removed');
    answer(0, [10]); // too late to matter
  });

  it('with linger: items wait for more while more are coming, and leave at atLeast, at ms, or when none are coming', async () => {
    const { send, batches, answer } = recordingSend();
    let coming = true;
    const batcher = createBatcher<number, number>({ send, max: 10, linger: { while: () => coming, ms: 60_000, atLeast: 3 } });
    const results = [1, 2].map((n) => batcher.add(n, open()));
    await tick();
    expect(batches).toEqual([]); // more are coming: they wait
    results.push(batcher.add(3, open()));
    await tick();
    expect(batches).toEqual([[1, 2, 3]]); // atLeast reached: out at once
    answer(0, [10, 20, 30]);
    results.push(batcher.add(4, open()));
    await tick();
    expect(batches).toHaveLength(1);
    coming = false;
    batcher.wake();
    await tick();
    expect(batches.at(-1)).toEqual([4]); // nothing more coming: out without waiting for the timer
    answer(1, [40]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });

  it('with linger: an item never waits longer than ms', async () => {
    const { send, batches, answer } = recordingSend();
    const batcher = createBatcher<number, number>({ send, max: 10, linger: { while: () => true, ms: 30, atLeast: 100 } });
    const started = performance.now();
    const result = batcher.add(1, open());
    await tick();
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await tick();
    expect(batches).toEqual([[1]]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    answer(0, [10]);
    expect(await result).toBe(10);
  });
});

