/**
 * What the plugin weighs in a page, against the stock `@uppy/aws-s3` it replaces: each bundled
 * by esbuild as an app's bundler would (ES module, browser, minified), every `@uppy/*` package
 * left out (the page has Uppy anyway), and measured minified and minified + gzip (level 9). The
 * plugin's main-thread entry (plugin/index.ts) and its MD5 worker (plugin/md5Worker.ts, a file of
 * its own, loaded by `new Worker(new URL(...))`) are measured apart. Then the main-thread entry
 * again with the modules only some pages need left out (as if they were loaded by `import()`):
 * the MD5 code the main thread runs only when workers can't start, the WebAssembly MD5 builders,
 * the plain-JavaScript MD5. And the main-thread modules by minified bytes, largest first.
 * `npm run bench:bundle`
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Leaves out every `@uppy/*` import but `keep`, and every plugin module named in `lazy` (as if loaded by `import()`). */
function leaveOut(keep: string | undefined, lazy: readonly string[] = []): Plugin {
  return {
    name: 'leave-out',
    setup(b) {
      b.onResolve({ filter: /^@uppy\// }, (args) => (args.path === keep ? undefined : { path: args.path, external: true }));
      if (lazy.length > 0) {
        const names = new RegExp(`/(${lazy.join('|')})\\.js$`);
        b.onResolve({ filter: names }, (args) => ({ path: args.path, external: true }));
      }
    },
  };
}

interface Measured {
  name: string;
  min: number;
  gzip: number;
  metafile: Metafile;
}

async function measure(name: string, entry: { file: string } | { contents: string }, keep?: string, lazy: readonly string[] = []): Promise<Measured> {
  const result = await build({
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'js' as const } }),
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [leaveOut(keep, lazy)],
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.js'))!.contents;
  return { name, min: code.length, gzip: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

/**
 * Main-thread modules that only some pages run: the main thread hashes only when the MD5 workers
 * can't start (a CSP without worker-src, a bundler that dropped the worker); there it builds the
 * WebAssembly MD5s, or, where WebAssembly is forbidden too, runs the plain-JavaScript one.
 * createJsMd5/md5Steps also serve multipartETag (16 bytes per part: any MD5 will do).
 */
const LAZY_CANDIDATES = [
  'createMd5Lanes',
  'createJsMd5',
  'md5Steps',
  'createMd5',
  'md5BlocksFunction',
  'createSimdMd5',
  'simdMd5BlocksFunction',
  'wasmModule',
  'simdSupported',
  'createHashQueue',
  'hashInLanes',
  'readBlob',
];

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

const rows = [
  await measure('plugin main thread (plugin/index.ts)', { file: 'plugin/index.ts' }),
  await measure('plugin MD5 worker (plugin/md5Worker.ts)', { file: 'plugin/md5Worker.ts' }),
  await measure('stock @uppy/aws-s3', { contents: "export { default } from '@uppy/aws-s3';" }, '@uppy/aws-s3'),
  await measure('plugin main thread, lazy candidates left out', { file: 'plugin/index.ts' }, undefined, LAZY_CANDIDATES),
];

console.log('| bundle (ESM, minified, @uppy/* external) | min | min + gzip |');
console.log('| --- | ---: | ---: |');
for (const row of rows) console.log(`| ${row.name} | ${kB(row.min)} | ${kB(row.gzip)} |`);

const main = rows[0]!;
const output = Object.values(main.metafile.outputs).find((out) => out.entryPoint !== undefined)!;
console.log('\nMain-thread modules by minified bytes in the bundle (* = lazy candidate):');
for (const [path, { bytesInOutput }] of Object.entries(output.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) {
  const name = relative(root, path);
  const lazy = LAZY_CANDIDATES.some((candidate) => name.endsWith(`/${candidate}.ts`));
  console.log(`  ${lazy ? '*' : ' '} ${String(bytesInOutput).padStart(6)}  ${name}`);
}
