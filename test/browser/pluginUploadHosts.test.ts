/**
 * The middleware's `uploadHosts`: small files' URLs are spread over two names of the same S3 (the
 * proxy in front of S3 on 127.0.0.1, and localhost), and the plugin keeps `limit` PUTs under way
 * on each: browsers speak HTTP/1.1 to S3 and keep at most 6 connections per host, so a second
 * name doubles the small files under way. Every file is stored whole through whichever name its
 * URL was signed for.
 */
import { expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import type { ProxyRecord } from '../harness/startFaultProxy.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { addSeededFiles, objectSha256, readCounters, uploadAll } from '../helpers/pluginPage.js';

const KiB = 1024;
const env = usePluginPage((proxy) => ({ uploadHosts: [`localhost:${proxy.port}`] }));

/** The most PUTs the proxy had under way at once for `host` (each from its arrival to its answer's end). */
function mostAtOnce(puts: ProxyRecord[], host: string): number {
  const spans = puts.filter((put) => put.headers.host === host).map((put) => [put.arrivedAt, put.endedAt ?? Infinity] as const);
  return Math.max(0, ...spans.map(([start]) => spans.filter(([from, to]) => from <= start && start < to).length));
}

forEachEngine((engine) => {
  it('spreads small files over both host names, `limit` PUTs under way on each, every file stored whole', async () => {
    const limit = 2;
    const page = await openPluginPage(engine, env, { limit });
    const hosts = [`127.0.0.1:${env.proxy.port}`, `localhost:${env.proxy.port}`];
    // Held until both names have `limit` PUTs under way at once: a plugin bounding all S3
    // requests together (not per host) never gets there, and the upload then stalls visibly.
    let allUnderWay = () => {};
    const gate = new Promise<void>((resolve) => (allUnderWay = resolve));
    const held = new Map<string, number>();
    env.proxy.setFault((request) => {
      if (request.method !== 'PUT') return { kind: 'pass' };
      const host = String(request.headers.host);
      held.set(host, (held.get(host) ?? 0) + 1);
      if (hosts.every((name) => (held.get(name) ?? 0) >= limit)) allUnderWay();
      return { kind: 'hold', until: gate };
    });
    const digests = await addSeededFiles(
      page,
      Array.from({ length: 12 }, (_, index) => ({ name: `small-${index}.bin`, size: 40 * KiB + index, seed: 700 + index })),
    );
    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    for (const [name, digest] of Object.entries(digests)) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!), name).toBe(digest);
    const puts = env.proxy.records.filter((record) => record.method === 'PUT');
    expect(puts.map((put) => put.status)).toEqual(puts.map(() => 200));
    const byHost = Object.fromEntries(hosts.map((host) => [host, puts.filter((put) => put.headers.host === host).length]));
    expect(byHost).toEqual({ [hosts[0]!]: 6, [hosts[1]!]: 6 });
    expect(hosts.map((host) => mostAtOnce(puts, host))).toEqual([limit, limit]);
    expect(await readCounters(page)).toMatchObject({ singleUploads: 12, retries: 0 });
  });
});
