import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';

/**
 * The MD5 benchmark's page (bench/pages/md5Page) served by Vite on 127.0.0.1, listening; its address is
 * `resolvedUrls.local[0]`. `cacheDir`: a dependency cache of its own, when other Vite servers may
 * be bundling into the default one.
 */
export async function startMd5PageServer(cacheDir?: string): Promise<ViteDevServer> {
  const vite = await createServer({
    root: fileURLToPath(new URL('../pages/md5Page/', import.meta.url)),
    configFile: false,
    logLevel: 'warn',
    cacheDir,
    server: { host: '127.0.0.1', port: 0, hmr: false },
  });
  return vite.listen();
}
