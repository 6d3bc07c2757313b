/**
 * The demo's record of finished uploads, in a real database: PGlite (PostgreSQL compiled to
 * WebAssembly, from npm with no install script and nothing downloaded), kept in a folder that
 * survives restarts. `onUploadComplete` upserts one row per object, keyed by key and ETag, as
 * docs/completion-hook.md advises: the hook runs at least once per object (a retried complete, a
 * confirm, the S3 event after either), and every run lands on the same row.
 */
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletedUpload } from '../middleware/index.js';

/** One recorded object: what `GET /demo/uploads` lists and the hook answers (the client's `serverData`). */
export interface UploadRecord {
  id: number;
  key: string;
  /** Quoted, as S3 gives it: `"<md5>"` or `"<md5 of the parts' md5s>-N"`. */
  etag: string;
  bucket: string;
  size: number;
  contentType: string;
  /** Who reported the object first: a multipart `complete`, a `confirm` of a single upload, or an S3 `event`. */
  source: CompletedUpload<unknown>['source'];
  /** Every source that reported it, in the order they first did. */
  sources: Array<CompletedUpload<unknown>['source']>;
  /** True once any report vouched for the bytes (an MD5 S3 checked). */
  md5Verified: boolean;
  /** The multipart upload's id, when one reported it. */
  uploadId: string | null;
  /** ISO 8601: the first and the latest run of the hook for this object. */
  firstSeen: string;
  lastSeen: string;
  /** How many times the hook ran for this object. */
  hookRuns: number;
}

export interface UploadRecords {
  /** The completion hook: upserts the object's row and answers it. */
  record(upload: CompletedUpload<unknown>): Promise<UploadRecord>;
  /** The record of the object with this key and ETag, if the hook ran for it. */
  find(key: string, etag: string): Promise<UploadRecord | undefined>;
  /** The records whose key starts with `prefix`, newest first (at most `limit`). */
  list(prefix: string, limit?: number): Promise<UploadRecord[]>;
  /** Closes the database (its folder keeps the rows) and releases the folder. */
  close(): Promise<void>;
}

/** Another process holds the folder: PGlite is a single-process database. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

const SCHEMA = `
  create table if not exists uploads (
    id serial unique,
    key text not null,
    etag text not null,
    bucket text not null,
    size bigint not null,
    content_type text not null,
    source text not null,
    sources text[] not null,
    md5_verified boolean not null,
    upload_id text,
    first_seen timestamptz not null default now(),
    last_seen timestamptz not null default now(),
    hook_runs integer not null default 1,
    primary key (key, etag)
  );
  create index if not exists uploads_by_time on uploads (first_seen desc, id desc);
`;

/** The row's columns as a record (bigint read as a double: sizes stay below 2^53). */
const COLUMNS = `id, key, etag, bucket, size::float8 as size, content_type, source, sources, md5_verified, upload_id, first_seen, last_seen, hook_runs`;

interface Row {
  id: number;
  key: string;
  etag: string;
  bucket: string;
  size: number;
  content_type: string;
  source: UploadRecord['source'];
  sources: UploadRecord['sources'];
  md5_verified: boolean;
  upload_id: string | null;
  first_seen: Date;
  last_seen: Date;
  hook_runs: number;
}

const recordOf = (row: Row): UploadRecord => ({
  id: row.id,
  key: row.key,
  etag: row.etag,
  bucket: row.bucket,
  size: row.size,
  contentType: row.content_type,
  source: row.source,
  sources: row.sources,
  md5Verified: row.md5_verified,
  uploadId: row.upload_id,
  firstSeen: row.first_seen.toISOString(),
  lastSeen: row.last_seen.toISOString(),
  hookRuns: row.hook_runs,
});

/**
 * Takes the folder for this process: a `demo.pid` file made exclusively, replaced only when the
 * process it names has ended (a demo killed without its shutdown leaves one behind).
 */
function lockFolder(dir: string): () => void {
  const file = join(dir, 'demo.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new DataDirInUseError(`${holder === process.pid ? 'This process' : `Another process (PID ${holder})`} already keeps upload records in ${dir}: stop it, or set DEMO_DATA_DIR to another folder.`);
      }
      rmSync(file, { force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `dir` holds a database already (else the first open creates one, which takes seconds). */
export function hasUploadRecords(dir: string): boolean {
  return existsSync(join(dir, 'pglite', 'PG_VERSION'));
}

/** Opens (creating on first use) the records kept in `dir`. The first open initialises a database there, which takes seconds. */
export async function openUploadRecords(dir: string): Promise<UploadRecords> {
  mkdirSync(dir, { recursive: true });
  const unlock = lockFolder(dir);
  let db: PGlite;
  try {
    db = await PGlite.create(join(dir, 'pglite'));
    await db.exec(SCHEMA);
  } catch (error) {
    unlock();
    throw error;
  }
  return {
    async record(upload) {
      const { rows } = await db.query<Row>(
        `insert into uploads as u (key, etag, bucket, size, content_type, source, sources, md5_verified, upload_id)
         values ($1, $2, $3, $4, $5, $6, array[$6], $7, $8)
         on conflict (key, etag) do update set
           size = excluded.size,
           content_type = excluded.content_type,
           sources = case when excluded.source = any(u.sources) then u.sources else u.sources || excluded.source end,
           md5_verified = u.md5_verified or excluded.md5_verified,
           upload_id = coalesce(u.upload_id, excluded.upload_id),
           last_seen = now(),
           hook_runs = u.hook_runs + 1
         returning ${COLUMNS}`,
        [upload.key, upload.etag, upload.bucket, upload.size, upload.contentType, upload.source, upload.md5Verified, upload.uploadId ?? null],
      );
      return recordOf(rows[0] as Row);
    },
    async find(key, etag) {
      const { rows } = await db.query<Row>(`select ${COLUMNS} from uploads where key = $1 and etag = $2`, [key, etag]);
      return rows[0] === undefined ? undefined : recordOf(rows[0]);
    },
    async list(prefix, limit = 100) {
      const { rows } = await db.query<Row>(`select ${COLUMNS} from uploads where starts_with(key, $1) order by first_seen desc, id desc limit $2`, [prefix, limit]);
      return rows.map(recordOf);
    },
    async close() {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}
