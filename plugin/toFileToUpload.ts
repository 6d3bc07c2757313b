import type { Body, LocalUppyFile, Meta } from '@uppy/core/utils';
import { getAllowedMetaFields } from '@uppy/core/utils';
import type { ResolvedOptions } from './options.js';
import type { FileToUpload, MultipartState } from './upload/FileUploadTypes.js';

/** What an upload needs of an Uppy file (with its data): name, type, bytes, the metadata to send, whether in parts, and where to resume. */
export function toFileToUpload<M extends Meta, B extends Body>(
  file: LocalUppyFile<M, B> & { data: Blob },
  opts: Pick<ResolvedOptions<M, B>, 'allowedMetaFields' | 'shouldUseMultipart'>,
  resume: MultipartState | undefined,
): FileToUpload {
  const metadata: Record<string, string> = {};
  for (const name of getAllowedMetaFields(opts.allowedMetaFields, file.meta)) {
    const value: unknown = file.meta[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') metadata[name] = String(value);
  }
  const { shouldUseMultipart } = opts;
  const wanted = typeof shouldUseMultipart === 'function' ? shouldUseMultipart(file) : shouldUseMultipart;
  return {
    name: file.name ?? 'file',
    type: file.type || 'application/octet-stream',
    data: file.data,
    metadata,
    multipart: wanted && (file.size ?? 0) > 0, // an empty file has no part to send
    resume,
  };
}
