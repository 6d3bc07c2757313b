import { readFileSync } from 'node:fs';
import { s3ConfigToEnv, type S3Config } from '../scripts/s3ConfigFromEnv.js';
import { startCommand } from '../test/helpers/startCommand.js';

/** bench/signingServer.ts running in a process of its own. */
export interface SigningServer {
  /** e.g. `http://127.0.0.1:40123`: the middleware is at `${origin}/api`, the Companion-style route at `${origin}/companion`. */
  origin: string;
  /** Its resident memory now, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** Starts bench/signingServer.ts as a process of its own (the load generator keeps this one) and waits until it listens. */
export async function startSigningServer(s3: S3Config): Promise<SigningServer> {
  const server = startCommand(
    ['bench/signingServer.ts'],
    { ...s3ConfigToEnv(s3), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    /listening (\d+)/,
  );
  const { match } = await server.ready;
  return {
    origin: `http://127.0.0.1:${match[1]}`,
    rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024,
    stop: async () => void (await server.stop()),
  };
}
