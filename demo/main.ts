/**
 * The demo page: Uppy's Dashboard with our plugin (or, with `?uploader=stock`, the stock
 * `@uppy/aws-s3` 6 in companionEndpoint mode) against the middleware at /api, Golden Retriever to
 * survive reloads, the live panel beside it, and under them the uploads the server recorded.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import GoldenRetriever from '@uppy/golden-retriever';
import { MIN_PART_SIZE, MAX_PARTS, choosePartSize } from '../contract.js';
import { S3ResumableUpload } from '../plugin/index.js';
import { mountFilePanel } from './mountFilePanel.js';
import { mountPartTimelines } from './mountPartTimelines.js';
import { mountRecordList } from './mountRecordList.js';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const MiB = 1024 * 1024;
/** Files above this size go multipart (both uploaders); smaller ones in one request. */
const MULTIPART_ABOVE = 8 * MiB;
/** Our plugin's part size unless the middleware answers another (it raises it for huge files). */
const PART_SIZE = 8 * MiB;
/** The stock plugin's part size: 5 MiB, raised to fit 10,000 parts. */
const stockPartSize = (size: number) => Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));

const stock = new URLSearchParams(location.search).get('uploader') === 'stock';
const multipart = (file: { size: number | null }) => (file.size ?? 0) > MULTIPART_ABOVE;

// One Uppy id per uploader: Golden Retriever keeps each one's files apart across reloads.
const uppy = new Uppy({ id: stock ? 'demo-stock' : 'demo', autoProceed: false })
  .use(Dashboard, { target: '#dashboard', inline: true, height: 470, width: '100%', proudlyDisplayPoweredByUppy: false })
  .use(GoldenRetriever);
if (stock) uppy.use(AwsS3, { companionEndpoint: '/api', shouldUseMultipart: multipart, getChunkSize: (file) => stockPartSize(file.size) });
else uppy.use(S3ResumableUpload, { endpoint: '/api', shouldUseMultipart: multipart });

const expectedParts = (size: number) => {
  if (size <= MULTIPART_ABOVE) return 1;
  return Math.ceil(size / (stock ? stockPartSize(size) : choosePartSize(size, PART_SIZE)));
};
const timelines = mountPartTimelines(uppy, { uploader: stock ? 'stock' : 'plugin', expectedParts });
mountFilePanel(uppy, document.querySelector<HTMLElement>('#panel') as HTMLElement, { uploader: stock ? 'stock' : 'plugin', expectedParts, timelines });
const refreshRecords = mountRecordList(uppy, document.querySelector<HTMLElement>('#records') as HTMLElement);

document.querySelector(stock ? '#use-stock' : '#use-plugin')?.setAttribute('aria-current', 'page');
fetch('/demo/me')
  .then((answer) => answer.json() as Promise<{ prefix: string }>)
  .then(({ prefix }) => {
    const where = document.querySelector('#prefix');
    if (where) where.textContent = prefix;
  })
  .catch(() => {});

// For tests and curious people: the Uppy instance, the part timelines and the records list.
Object.assign(window, { uppy, timelines, refreshRecords });
