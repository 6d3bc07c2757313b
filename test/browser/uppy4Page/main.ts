/**
 * A page as an app on Uppy 4 writes it: its own core, Dashboard and @uppy/aws-s3 in `endpoint`
 * (Companion) mode against the middleware at /api. Files over 10 MiB go in parts. Exposes `window.uppy`.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/dist/style.min.css';
import '@uppy/dashboard/dist/style.min.css';

const uppy = new Uppy()
  .use(Dashboard, { inline: true, target: '#uploader' })
  .use(AwsS3, { endpoint: '/api', shouldUseMultipart: (file) => (file.size ?? 0) > 10 * 1024 * 1024 });
Object.assign(window, { uppy });
