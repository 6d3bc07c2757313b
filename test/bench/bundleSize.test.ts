/**
 * What a page loads with the plugin: its shell only. The code that uploads is loaded by `import()`
 * when the first file is added; the multipart run, Companion mode's form upload, the MD5s (plain
 * JavaScript, the WebAssembly builders) and the main-thread hashing by that code, only where
 * needed; the worker keeps the MD5s.
 */
import { describe, expect, it } from 'vitest';
import { benchBundleSize, measureBundles } from '../../bench/suites/bundleSize.js';

const ON_DEMAND = [
  'plugin/md5/createJsMd5.ts',
  'plugin/md5/md5Steps.ts',
  'plugin/md5/createMd5.ts',
  'plugin/md5/createSimdMd5.ts',
  'plugin/md5/md5BlocksFunction.ts',
  'plugin/md5/simdMd5BlocksFunction.ts',
  'plugin/md5/wasmModule.ts',
  'plugin/md5/createMd5Lanes.ts',
  'plugin/hashing/createHashQueue.ts',
  'plugin/hashing/hashInLanes.ts',
  'plugin/hashing/readBlob.ts',
];

/** Only files in parts run these (the Content-MD5 probe: in parts through Companion's routes); the form upload only small files through them. */
const UPLOAD_ON_DEMAND = [
  'plugin/upload/runMultipart.ts',
  'plugin/upload/PartSigner.ts',
  'plugin/upload/createPartHashing.ts',
  'plugin/upload/planHashRuns.ts',
  'plugin/upload/planParts.ts',
  'plugin/upload/multipartETagOfDigests.ts',
  'plugin/upload/signPartsCompanion.ts',
  'plugin/network/checkContentMd5.ts',
  'plugin/upload/runSingleForm.ts',
];

/** The shell: installed with the plugin, it validates the options, keeps the state and the resume handles, and wires Uppy's events. */
const AT_LOAD = [
  'plugin/S3ResumableUpload.ts',
  'plugin/options.ts',
  'plugin/PluginState.ts',
  'plugin/ResumeHandles.ts',
  'plugin/upload/createResumeStore.ts',
  'plugin/network/loadOnDemand.ts',
];

/** What every upload runs, loaded when the first file is added. */
const WHEN_A_FILE_IS_ADDED = [
  'plugin/upload/createUploads.ts',
  'plugin/upload/FileUpload.ts',
  'plugin/upload/runSingle.ts',
  'plugin/network/createApiClient.ts',
  'plugin/network/decideRetry.ts',
  'plugin/network/withRetry.ts',
  'plugin/network/putToS3.ts',
  'plugin/network/createLimiter.ts',
  'plugin/network/createBatcher.ts',
  'plugin/hashing/createHashPool.ts',
];

describe('bundleSize', () => {
  it('loads the shell with the page, the code that uploads when a file is added, the multipart run, the form upload, the MD5s and the main-thread hashing only where needed, and keeps the MD5s in the worker', async () => {
    const { main, worker, stock } = await measureBundles();
    const atLoad = [...main.atLoad.modules.keys()];
    const imported = [...main.imported.modules.keys()];
    const onDemand = [...main.onDemand.modules.keys()];
    for (const path of AT_LOAD) expect(atLoad, path).toContain(path);
    for (const path of WHEN_A_FILE_IS_ADDED) {
      expect(atLoad, path).not.toContain(path);
      expect(imported, path).toContain(path);
    }
    for (const path of ON_DEMAND) {
      expect(atLoad, path).not.toContain(path);
      expect(imported, path).not.toContain(path);
      expect(onDemand, path).toContain(path);
      expect([...worker.atLoad.modules.keys()], path).toContain(path);
    }
    for (const path of UPLOAD_ON_DEMAND) {
      expect(atLoad, path).not.toContain(path);
      expect(imported, path).not.toContain(path);
      expect(onDemand, path).toContain(path);
    }
    expect(worker.imported.min + worker.onDemand.min).toBe(0);
    expect(stock.atLoad.gzip).toBeGreaterThan(0);
  });

  it('reports the sizes as a section of npm run bench', async () => {
    const section = await benchBundleSize();
    expect(section.id).toBe('bundle');
    expect(section.measurements.map((m) => m.name)).toEqual([
      'our plugin, main thread, at load',
      'our plugin, main thread, when a file is added',
      'our plugin, main thread, on demand',
      'our plugin, MD5 worker',
      'stock @uppy/aws-s3 6',
      'our plugin, main thread, at load, minified',
      'stock @uppy/aws-s3 6, minified',
    ]);
    expect(section.ratios[0]?.name).toBe('our plugin, main thread, at load / stock @uppy/aws-s3 6');
  });
});
