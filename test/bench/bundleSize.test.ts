/**
 * What a page loads with the plugin: the multipart run, Companion mode's form upload, the MD5s
 * (plain JavaScript, the WebAssembly builders) and the main-thread hashing are loaded by `import()`
 * only where needed; the worker keeps the MD5s.
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

describe('bundleSize', () => {
  it('keeps the multipart run, the form upload, the MD5s and the main-thread hashing out of what a page loads with the plugin, and the MD5s in the worker', async () => {
    const { main, worker, stock } = await measureBundles();
    const atLoad = [...main.atLoad.modules.keys()];
    expect(atLoad).toContain('plugin/S3ResumableUpload.ts');
    expect(atLoad).toContain('plugin/hashing/createHashPool.ts');
    for (const path of ON_DEMAND) {
      expect(atLoad, path).not.toContain(path);
      expect([...main.onDemand.modules.keys()], path).toContain(path);
      expect([...worker.atLoad.modules.keys()], path).toContain(path);
    }
    for (const path of UPLOAD_ON_DEMAND) {
      expect(atLoad, path).not.toContain(path);
      expect([...main.onDemand.modules.keys()], path).toContain(path);
    }
    expect(atLoad).toContain('plugin/upload/runSingle.ts');
    expect(worker.onDemand.min).toBe(0);
    expect(stock.atLoad.gzip).toBeGreaterThan(0);
  });

  it('reports the sizes as a section of npm run bench', async () => {
    const section = await benchBundleSize();
    expect(section.id).toBe('bundle');
    expect(section.measurements.map((m) => m.name)).toEqual([
      'our plugin, main thread, at load',
      'our plugin, main thread, on demand',
      'our plugin, MD5 worker',
      'stock @uppy/aws-s3 6',
      'our plugin, main thread, at load, minified',
      'stock @uppy/aws-s3 6, minified',
    ]);
    expect(section.ratios[0]?.name).toBe('our plugin, main thread, at load / stock @uppy/aws-s3 6');
  });
});
