/**
 * Uppy's Dashboard with our plugin, uploading through the server's /api/upload routes; with
 * `?uploader=stock`, the stock @uppy/aws-s3 against the same routes instead.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import { S3ResumableUpload } from 'uppy-s3-resumable/plugin';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const uppy = new Uppy().use(Dashboard, { inline: true, target: '#uploader' });
if (new URLSearchParams(location.search).get('uploader') === 'stock') uppy.use(AwsS3, { companionEndpoint: '/api/upload' });
else uppy.use(S3ResumableUpload, { endpoint: '/api/upload' });
