'use client';

import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import { useEffect, useRef } from 'react';
import { S3ResumableUpload } from 'uppy-s3-resumable/plugin';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

/** Uppy's Dashboard with our plugin (or the stock @uppy/aws-s3), uploading through /api/upload. */
export function Uploader({ stock }: { stock: boolean }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (target.current === null) return;
    const uppy = new Uppy().use(Dashboard, { inline: true, target: target.current });
    if (stock) uppy.use(AwsS3, { companionEndpoint: '/api/upload' });
    else uppy.use(S3ResumableUpload, { endpoint: '/api/upload' });
    return () => uppy.destroy();
  }, [stock]);
  return <div ref={target} />;
}
