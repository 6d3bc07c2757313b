import type { Uppy } from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import type { ResumeStore } from './upload/createResumeStore.js';
import type { MultipartState } from './upload/FileUploadTypes.js';
import './uppyAugmentations.js';

/**
 * Where a file's multipart upload is kept for resume, in two places: the file's state in Uppy
 * (`s3Multipart`, as the stock plugin keeps it, and `s3Resumable`; Golden Retriever saves it, on a
 * timer) and the plugin's resume store (written at once). A file that comes back (restored after a
 * reload, or selected again) gets its upload back from the store into its state.
 */
export class ResumeHandles<M extends Meta, B extends Body> {
  readonly #uppy: Uppy<M, B>;
  readonly #store: ResumeStore;
  readonly #partSize: number;

  constructor(uppy: Uppy<M, B>, store: ResumeStore, defaultPartSize: number) {
    this.#uppy = uppy;
    this.#store = store;
    this.#partSize = defaultPartSize;
  }

  /** The upload a file resumes into: from its state, or from the store. */
  of(file: UppyFile<M, B>): MultipartState | undefined {
    const multipart = 's3Multipart' in file ? file.s3Multipart : undefined;
    const partSize = 's3Resumable' in file ? file.s3Resumable?.partSize : undefined;
    if (multipart) return { ...multipart, partSize: partSize ?? this.#partSize };
    return this.#store.get(file.id);
  }

  /** Keeps the file's upload (`undefined`: none) in the store at once, and in its state. */
  set(fileID: string, state: MultipartState | undefined): void {
    if (state) this.#store.set(fileID, state);
    else this.#store.delete(fileID);
    if (!this.#uppy.getFile(fileID)) return;
    this.#uppy.setFileState(fileID, {
      s3Multipart: state && { uploadId: state.uploadId, key: state.key },
      s3Resumable: state && { partSize: state.partSize },
    } as Partial<UppyFile<M, B>>);
  }

  /** Forgets a removed file's upload (the file's state goes with the file). */
  forget(fileID: string): void {
    this.#store.delete(fileID);
  }

  /** A file that came back without its upload in its state gets it from the store. */
  adopt = (file: UppyFile<M, B> | undefined): void => {
    if (!file || ('s3Multipart' in file && file.s3Multipart)) return;
    const handle = this.#store.get(file.id);
    if (handle) this.set(file.id, handle);
  };

  /** Every file (after Golden Retriever restored them). */
  adoptAll = (): void => {
    for (const file of this.#uppy.getFiles()) this.adopt(file);
  };
}
