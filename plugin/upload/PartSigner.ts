import type { BatchPartRequest, BatchSignResponse } from '../../contract.js';
import type { Digest } from '../md5/digest.js';
import type { PlannedPart } from './planParts.js';
import { isStale, type RetrySettings } from '../network/decideRetry.js';
import { RequestFailure } from '../network/RequestFailure.js';

/** A presigned part URL with the time it stops working (by our clock, from when we asked). */
export interface SignedPart {
  url: string;
  headers: Record<string, string>;
  /** ms since epoch. */
  expiresAt: number;
  lifetimeMs: number;
  /** The MD5 signed into it (none with `md5: false`). */
  md5: string | undefined;
}

export interface PartSignerOptions {
  /** Signs a batch through the middleware (retried there). */
  sign: (parts: BatchPartRequest[]) => Promise<BatchSignResponse>;
  /** Parts that will be sent next, with their MD5 when known: signed along in the same batch. */
  upcoming: () => Array<{ part: PlannedPart; digest: Digest | undefined }>;
  batchSize: number;
  settings: RetrySettings;
  /** A part that had a URL got a new one. */
  onResign: () => void;
  /** A batch is asked for; `resigned` are the parts in it that had a URL. */
  onSign?: (partNumbers: number[], resigned: number[]) => void;
  /** The batch's answer came (`ok`), or its call failed for good. */
  onSigned?: (partNumbers: number[], ok: boolean) => void;
}

/** A part to sign: with its MD5, or only its number and size when there is none. */
function partRequest({ partNumber, size }: PlannedPart, digest: Digest | undefined): BatchPartRequest {
  return digest ? { partNumber, md5: digest.base64, size } : { partNumber, size };
}

/**
 * Hands out part URLs just in time: a fresh cached one, or a new batch (this part plus the next
 * few) from the middleware. A URL within the expiry margin is never handed out.
 */
export class PartSigner {
  readonly #options: PartSignerOptions;
  readonly #cache = new Map<number, SignedPart>();
  readonly #pending = new Map<number, Promise<void>>();

  constructor(options: PartSignerOptions) {
    this.#options = options;
  }

  /** A URL signed without an MD5 serves a part without one (`md5: false`). */
  #usable(partNumber: number, md5: string | undefined): boolean {
    const signed = this.#cache.get(partNumber);
    return signed !== undefined && signed.md5 === md5 && !isStale(signed.expiresAt, signed.lifetimeMs, this.#options.settings);
  }

  /**
   * A URL for `part` carrying `digest` (or none when `undefined`); `force` signs a new one (S3
   * refused the last as expired).
   */
  async urlFor(part: PlannedPart, digest: Digest | undefined, force: boolean): Promise<SignedPart> {
    const { partNumber } = part;
    if (!force) {
      const pending = this.#pending.get(partNumber);
      if (pending) await pending;
      if (this.#usable(partNumber, digest?.base64)) return this.#cache.get(partNumber) as SignedPart;
    }
    const batch: BatchPartRequest[] = [partRequest(part, digest)];
    for (const next of this.#options.upcoming()) {
      if (batch.length >= this.#options.batchSize) break;
      const n = next.part.partNumber;
      if (n === partNumber || this.#pending.has(n) || this.#usable(n, next.digest?.base64)) continue;
      batch.push(partRequest(next.part, next.digest));
    }
    await this.#sign(batch);
    const signed = this.#cache.get(partNumber);
    if (!signed) throw new RequestFailure({ kind: 'invalid-response', detail: `no URL for part ${partNumber}` }, 'sign parts');
    return signed;
  }

  async #sign(batch: BatchPartRequest[]): Promise<void> {
    const askedAt = Date.now();
    const partNumbers = batch.map((part) => part.partNumber);
    this.#options.onSign?.(
      partNumbers,
      partNumbers.filter((n) => this.#cache.has(n)),
    );
    const promise = this.#options.sign(batch).then((answer) => {
      for (const signed of answer.parts) {
        const asked = batch.find((part) => part.partNumber === signed.partNumber);
        if (!asked) continue;
        if (this.#cache.has(signed.partNumber)) this.#options.onResign();
        const lifetimeMs = signed.expires * 1000;
        this.#cache.set(signed.partNumber, { url: signed.url, headers: signed.headers, expiresAt: askedAt + lifetimeMs, lifetimeMs, md5: asked.md5 });
      }
    });
    for (const part of batch) this.#pending.set(part.partNumber, promise);
    try {
      await promise;
      this.#options.onSigned?.(partNumbers, true);
    } catch (error) {
      this.#options.onSigned?.(partNumbers, false);
      throw error;
    } finally {
      for (const part of batch) if (this.#pending.get(part.partNumber) === promise) this.#pending.delete(part.partNumber);
    }
  }
}
