/**
 * Command line for the local S3.
 *   node --import tsx scripts/local-s3.ts install   installs what the tests need from Debian when missing: Ceph
 *                                     (skipped when S3_ENDPOINT is set) and the browsers (Chromium, Firefox ESR,
 *                                     WebKitGTK's MiniBrowser with WebKitWebDriver and Xvfb)
 *   node --import tsx scripts/local-s3.ts start     starts one, prints its S3_* variables, stops it on Ctrl-C
 */
import { ensureCephInstalled } from './ensureCephInstalled.js';
import { ensureBrowsersInstalled } from './ensureBrowsersInstalled.js';
import { s3ConfigToEnv } from './s3ConfigFromEnv.js';
import { startLocalS3 } from './startLocalS3.js';

const log = (line: string) => console.error(`[local-s3] ${line}`);

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'install':
      if (process.env.S3_ENDPOINT) log(`S3_ENDPOINT is set (${process.env.S3_ENDPOINT}): no local S3 needed`);
      else await ensureCephInstalled(log);
      await ensureBrowsersInstalled(log);
      return log('Ceph radosgw and the browsers (Chromium, Firefox ESR, WebKitGTK) are installed');
    case 'start': {
      const started = Date.now();
      const s3 = await startLocalS3({ log });
      log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops it`);
      console.log(
        Object.entries(s3ConfigToEnv(s3))
          .map(([name, value]) => `${name}=${value}`)
          .join('\n'),
      );
      // Signal listeners alone do not keep Node running; a timer does.
      const keepAlive = setInterval(() => {}, 60_000);
      // Listeners that stay: a second Ctrl-C with no listener would kill it mid-stop, leaving daemons.
      await new Promise<void>((resolve) => {
        process.on('SIGINT', () => resolve());
        process.on('SIGTERM', () => resolve());
      });
      clearInterval(keepAlive);
      log('stopping');
      await s3.stop();
      return;
    }
    default:
      throw new Error('usage: local-s3 install | start');
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
