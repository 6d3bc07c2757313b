import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** An `http://` URL (loopback). */
  url: string;
  /** @default 'GET' */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests in flight at once, each on its own kept-alive connection. */
  connections: number;
  durationMs: number;
  /**
   * Whether an answer counts as a success.
   * @default status 200
   */
  check?: (status: number, body: string) => boolean;
}

/** What {@link runLoad} measured. */
export interface LoadResult {
  connections: number;
  requests: number;
  /** Answers that failed `check`, plus requests that got no answer. */
  errors: number;
  /** Answers by status; 0 counts requests that failed on the network. */
  statuses: Record<number, number>;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

function send(agent: Agent, options: LoadOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(options.url, { agent, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(options.body);
  });
}

/**
 * A closed-loop load generator: `connections` workers each send a request, wait for the whole
 * answer, and send the next, until `durationMs` has passed. Latency is from send to last byte.
 *
 * @example
 * const result = await runLoad({ url: 'http://127.0.0.1:3000/api/s3/multipart/ID/batch?key=K', method: 'POST', body, connections: 8, durationMs: 20_000 });
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const check = options.check ?? ((status: number) => status === 200);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      const { status, body } = await send(agent, options);
      latencies.push(performance.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!check(status, body)) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    connections: options.connections,
    requests: latencies.length,
    errors,
    statuses,
    requestsPerSecond: (latencies.length / elapsed) * 1000,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
  };
}
