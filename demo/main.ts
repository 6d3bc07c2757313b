/**
 * The demo page: Uppy's Dashboard with the stock @uppy/aws-s3 6 plugin in companionEndpoint mode,
 * pointed at our middleware (mounted at /api by demo/server.ts). Our own plugin replaces it once
 * it lands.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const MiB = 1024 * 1024;
const log = document.querySelector<HTMLElement>('#log');

const uppy = new Uppy({ autoProceed: false })
  .use(Dashboard, { target: '#dashboard', inline: true, height: 420, proudlyDisplayPoweredByUppy: false })
  .use(AwsS3, { companionEndpoint: '/api', shouldUseMultipart: (file) => (file.size ?? 0) > 10 * MiB });

uppy.on('upload-success', (file, response) => {
  if (log) log.textContent += `${file?.name}: ${response.uploadURL ?? ''}\n`;
});
uppy.on('upload-error', (file, error) => {
  if (log) log.textContent += `${file?.name}: failed: ${error.message}\n`;
});

// For tests and curious people: the Uppy instance.
(window as unknown as { uppy: typeof uppy }).uppy = uppy;
