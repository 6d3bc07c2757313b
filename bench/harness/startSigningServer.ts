import { readFileSync } from 'node:fs';
import { s3ConfigToEnv, type S3Config } from '../../scripts/s3ConfigFromEnv.js';
import { startCommand } from '../../test/harness/startCommand.js';

/** bench/harness/signingServer.ts running in a process of its own. */
export interface SigningServer {
  /** e.g. `http://127.0.0.1:40123`: the Express middleware is at `${origin}/api`, the Companion-style route at `${origin}/companion`, a baseline revision's middleware at `${origin}/baseline`. */
  origin: string;
  /** The `node:http` handler's server: every path is the handler's. */
  nodeOrigin: string;
  /** The Web handler on @hono/node-server: every path is the handler's. */
  webOrigin: string;
  /** Its resident memory now, in MiB. */
  rssMiB(): number;
  /** The CPU time it has used so far (user and system), in seconds: what a route costs, whatever else loads the machine. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * Starts bench/harness/signingServer.ts as a process of its own (the load generator keeps this one) and
 * waits until it listens. `baselineDir`: a folder with another revision's `middleware/` and
 * `contract.ts`, served at `/baseline`.
 */
export async function startSigningServer(s3: S3Config, { baselineDir }: { baselineDir?: string } = {}): Promise<SigningServer> {
  const server = startCommand(
    ['bench/harness/signingServer.ts'],
    { ...s3ConfigToEnv(s3), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...(baselineDir ? { BASELINE_DIR: baselineDir } : {}) },
    /listening (\d+) node (\d+) web (\d+)/,
  );
  const { match } = await server.ready;
  const origin = (port: string | undefined) => `http://127.0.0.1:${port}`;
  return {
    origin: origin(match[1]),
    nodeOrigin: origin(match[2]),
    webOrigin: origin(match[3]),
    rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024,
    cpuSeconds: () => {
      // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after the `(comm)` that may hold spaces; 100 ticks a second.
      const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    stop: async () => void (await server.stop()),
  };
}
