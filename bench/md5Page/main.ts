/**
 * The MD5 benchmark's page: hashes the same parts with the plugin's worker pool (1 and 2
 * workers), with hash-wasm on the main thread reading the same way, and on bytes already in
 * memory (no read: the ceiling); reports MB/s.
 */
import { createMD5 } from 'hash-wasm';
import { createHashPool, type HashPool } from '../../plugin/createHashPool.js';
import { md5OfBlob } from '../../plugin/md5OfBlob.js';

const MiB = 1024 * 1024;

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}

let data: File | undefined;
let parts: Blob[] = [];
let memory: Uint8Array | undefined;

/** MB/s hashing `parts` parts of `partSize` from one file, the way the plugin does it. */
async function measure(mode: 'pool-1' | 'pool-2' | 'main-thread' | 'in-memory', totalMiB: number, partSize: number): Promise<number> {
  // The same File and part slices for every round: Chromium keeps in-memory blobs (slices of
  // one included) under a quota of about 500 MiB until they are collected.
  if (data?.size !== totalMiB * MiB) {
    const file = new File([randomBytes(totalMiB * MiB)], 'bench.bin');
    parts = Array.from({ length: Math.ceil(file.size / partSize) }, (_, i) => file.slice(i * partSize, (i + 1) * partSize));
    data = file;
  }
  if (mode === 'in-memory') {
    // The hashing alone, on bytes already in memory: the ceiling without reading a File.
    const bytes = (memory ??= randomBytes(totalMiB * MiB));
    const hasher = await createMD5();
    const started = performance.now();
    for (let at = 0; at < bytes.length; at += partSize) hasher.init().update(bytes.subarray(at, at + partSize)).digest('binary');
    return bytes.length / 1e3 / (performance.now() - started);
  }
  const whole = data;
  if (mode === 'main-thread') {
    const hasher = await createMD5();
    await md5OfBlob(parts[0]!.slice(0, 1024), hasher); // warm up
    const started = performance.now();
    for (const part of parts) await md5OfBlob(part, hasher);
    return data.size / 1e3 / (performance.now() - started);
  }
  // One long-lived pool per size, as the plugin keeps one.
  const size = mode === 'pool-1' ? 1 : 2;
  const pool = (pools[size] ??= createHashPool({ size }));
  await Promise.all([pool.md5(parts[0]!.slice(0, 1024)), pool.md5(parts[0]!.slice(0, 1024))]); // workers started
  const started = performance.now();
  await Promise.all(parts.map((part) => pool.md5(part)));
  return whole.size / 1e3 / (performance.now() - started);
}

const pools: Record<number, HashPool> = {};

Object.assign(window, { measure });
document.body.dataset.ready = 'true';
