/**
 * What the plugin weighs in a page, against the stock `@uppy/aws-s3` it replaces: each bundled
 * by esbuild as an app's bundler would (ES module, browser, minified, code splitting on so that
 * `import()` makes chunks of its own), every `@uppy/*` package left out (the page has Uppy
 * anyway), and measured minified and minified + gzip (level 9). For the plugin's main-thread entry
 * (plugin/index.ts) three parts are counted apart: what a page loads with it (the entry's chunk
 * and the chunks it imports statically: the plugin's shell); what that code loads by `import()`
 * (the code that uploads, which the shell loads when the first file is added); and what the code
 * that uploads loads by `import()` only where needed (the multipart run, the small files' form
 * upload of Companion mode, the MD5 the main thread runs when workers can't start, the
 * plain-JavaScript MD5 that hashes the multipart ETag). Its MD5 worker (plugin/md5Worker.ts, a
 * file of its own, loaded by `new Worker(new URL(...))`) is measured apart too. Then the modules
 * of each part, by minified bytes, largest first.
 * `npm run bench:bundle`; `npm run bench` reports the same section (id `bundle`).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { measurement, ratioOf, type BenchSection } from '../report/benchReport.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Leaves out every `@uppy/*` import but `keep`. */
function leaveOutUppy(keep: string | undefined): Plugin {
  return {
    name: 'leave-out-uppy',
    setup(b) {
      b.onResolve({ filter: /^@uppy\// }, (args) => (args.path === keep ? undefined : { path: args.path, external: true }));
    },
  };
}

/** Bytes of some of a bundle's output files, minified and minified + gzip, and the modules in them. */
export interface Weight {
  min: number;
  gzip: number;
  /** Minified bytes of each source module in these files, by path from the repository's root. */
  modules: Map<string, number>;
}

/** A bundle's code, by when a page loads it. */
export interface Bundle {
  name: string;
  /** The entry's chunk and the chunks it imports statically: what a page loads with the entry. */
  atLoad: Weight;
  /** What the code loaded at load imports by `import()`, with the chunks those import statically (our plugin: the code that uploads, loaded when the first file is added). */
  imported: Weight;
  /** What only that imported code imports by `import()`, and so on: what a page loads only where it needs it. */
  onDemand: Weight;
}

function weigh(files: ReadonlyArray<{ path: string; contents: Uint8Array }>, metafile: Metafile, paths: ReadonlySet<string>): Weight {
  let min = 0;
  let gzip = 0;
  const modules = new Map<string, number>();
  for (const path of paths) {
    const code = files.find((file) => relative(root, file.path) === path)!.contents;
    min += code.length;
    gzip += gzipSync(code, { level: 9 }).length; // each chunk is its own request, compressed on its own
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[path]!.inputs)) modules.set(relative(root, input), (modules.get(relative(root, input)) ?? 0) + bytesInOutput);
  }
  return { min, gzip, modules };
}

async function bundle(name: string, entry: { file: string } | { contents: string }, keep?: string): Promise<Bundle> {
  const result = await build({
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'js' as const } }),
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [leaveOutUppy(keep)],
  });
  const { outputs } = result.metafile;
  const entryPath = Object.keys(outputs).find((path) => outputs[path]!.entryPoint !== undefined && path.endsWith('.js'))!;
  const internal = (path: string, kind: 'import-statement' | 'dynamic-import') =>
    outputs[path]!.imports.filter((imported) => !imported.external && imported.kind === kind).map((imported) => imported.path);
  /** The chunks `from` and every chunk they reach by static imports, but those in `known`. */
  const withStaticImports = (from: readonly string[], known: ReadonlySet<string>): Set<string> => {
    const reached = new Set<string>();
    const visit = (path: string) => {
      if (known.has(path) || reached.has(path)) return;
      reached.add(path);
      for (const imported of internal(path, 'import-statement')) visit(imported);
    };
    for (const path of from) visit(path);
    return reached;
  };
  // What a page loads with the entry; then what that loads by import(); then all the rest.
  const atLoad = withStaticImports([entryPath], new Set());
  const imported = withStaticImports([...atLoad].flatMap((path) => internal(path, 'dynamic-import')), atLoad);
  const onDemand = new Set(Object.keys(outputs).filter((path) => path.endsWith('.js') && !atLoad.has(path) && !imported.has(path)));
  const weighOf = (paths: ReadonlySet<string>) => weigh(result.outputFiles, result.metafile, paths);
  return { name, atLoad: weighOf(atLoad), imported: weighOf(imported), onDemand: weighOf(onDemand) };
}

/** The plugin's main thread (at load, when a file is added, on demand), its worker, and the stock plugin, bundled and measured alike. */
export async function measureBundles(): Promise<{ main: Bundle; worker: Bundle; stock: Bundle }> {
  return {
    main: await bundle('our plugin, main thread (plugin/index.ts)', { file: 'plugin/index.ts' }),
    worker: await bundle('our plugin, MD5 worker (plugin/md5Worker.ts)', { file: 'plugin/md5Worker.ts' }),
    stock: await bundle('stock @uppy/aws-s3 6', { contents: "export { default } from '@uppy/aws-s3';" }, '@uppy/aws-s3'),
  };
}

const kB = (bytes: number) => bytes / 1000;

/** The bundle sizes as a section of `npm run bench` (one figure each: sizes don't vary between rounds). */
export async function benchBundleSize(): Promise<BenchSection> {
  const { main, worker, stock } = await measureBundles();
  const ours = measurement('our plugin, main thread, at load', 'kB', [kB(main.atLoad.gzip)]);
  const theirs = measurement('stock @uppy/aws-s3 6', 'kB', [kB(stock.atLoad.gzip)]);
  return {
    id: 'bundle',
    title: 'Weight on the page',
    setup:
      "Each bundled by esbuild as an app's bundler would (ES module, browser, minified, code splitting on), every `@uppy/*` package left out, gzip level 9 (each chunk on its own); kB = 1000 bytes, minified + gzip. " +
      "Our main thread at load: the entry's chunk and the chunks it imports statically (the plugin's shell); when a file is added: what the shell loads by `import()` when the first file is added (the code that uploads: the file's upload, the single PUT, the upload server's client, the retry policy, the limits, the MD5 worker pool); on demand: what that code loads by `import()` only where needed (the multipart run, Companion mode's form upload, the main-thread MD5 where workers can't start, the plain-JavaScript MD5 of the multipart ETag). " +
      'The MD5 worker is a file of its own, loaded when the first part is hashed.',
    measurements: [
      ours,
      measurement('our plugin, main thread, when a file is added', 'kB', [kB(main.imported.gzip)]),
      measurement('our plugin, main thread, on demand', 'kB', [kB(main.onDemand.gzip)]),
      measurement('our plugin, MD5 worker', 'kB', [kB(worker.atLoad.gzip + worker.imported.gzip + worker.onDemand.gzip)]),
      theirs,
      measurement('our plugin, main thread, at load, minified', 'kB', [kB(main.atLoad.min)]),
      measurement('stock @uppy/aws-s3 6, minified', 'kB', [kB(stock.atLoad.min)]),
    ],
    ratios: [ratioOf(ours, theirs)],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bundles = await measureBundles();
  const row = (name: string, weight: Weight) => console.log(`| ${name} | ${(weight.min / 1000).toFixed(1)} kB | ${(weight.gzip / 1000).toFixed(1)} kB |`);
  console.log('| bundle (ESM, minified, code splitting, @uppy/* external) | min | min + gzip |');
  console.log('| --- | ---: | ---: |');
  row(`${bundles.main.name}, at load`, bundles.main.atLoad);
  row(`${bundles.main.name}, when a file is added (import())`, bundles.main.imported);
  row(`${bundles.main.name}, on demand (import() where needed)`, bundles.main.onDemand);
  row(bundles.worker.name, bundles.worker.atLoad);
  row(bundles.stock.name, bundles.stock.atLoad);
  for (const [title, weight] of [
    ['at load', bundles.main.atLoad],
    ['when a file is added', bundles.main.imported],
    ['on demand', bundles.main.onDemand],
  ] as const) {
    console.log(`\nMain-thread modules ${title}, by minified bytes:`);
    for (const [path, bytes] of [...weight.modules].sort((a, b) => b[1] - a[1])) console.log(`  ${String(bytes).padStart(6)}  ${path}`);
  }
}
