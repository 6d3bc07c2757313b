/**
 * What the plugin adds to Uppy's types: its events, and the per-file state that resume needs.
 * Type-only; imported for its declarations.
 */
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import type { TimelineEvent } from './TimelineEvent.js';

declare module '@uppy/core' {
  export interface UppyEventMap<M extends Meta, B extends Body> {
    's3-multipart:part-uploaded': (file: UppyFile<M, B>, part: { PartNumber: number; ETag: string }) => void;
    /** What happens to a file's upload, part by part (see {@link TimelineEvent}). */
    's3-resumable:timeline': (file: UppyFile<M, B>, event: TimelineEvent) => void;
  }
}

declare module '@uppy/core/utils' {
  // An augmentation must repeat the interface's type parameters, used or not.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  export interface LocalUppyFile<M extends Meta, B extends Body> {
    /** The multipart upload to resume, as the stock `@uppy/aws-s3` keeps it (Golden Retriever persists it). */
    s3Multipart?: { uploadId: string; key: string };
    /** Our addition to `s3Multipart`: the part size the upload was planned with. */
    s3Resumable?: { partSize: number };
  }
}

export {};
