import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';

/** The demo page's folder (index.html, main.ts). */
export const DEMO_ROOT = fileURLToPath(new URL('.', import.meta.url));

/** Where `npm run demo:build` writes the page, and where the production server reads it. */
export const DEMO_ASSETS = fileURLToPath(new URL('./dist', import.meta.url));

/**
 * Vite settings for the demo page, shared by the dev server and the build, so both bundle it the
 * same way: the plugin's MD5 worker as an ES module (it is created with `type: 'module'`).
 */
export function demoViteConfig({ cacheDir, outDir = DEMO_ASSETS }: { cacheDir?: string; outDir?: string } = {}): InlineConfig {
  return {
    root: DEMO_ROOT,
    configFile: false,
    cacheDir,
    logLevel: 'warn',
    worker: { format: 'es' },
    // Everything the page and the MD5 worker import, bundled before the first visit: a dependency
    // Vite discovers late makes it reload the page, mid-upload.
    optimizeDeps: { include: ['@uppy/aws-s3', '@uppy/core', '@uppy/core/utils', '@uppy/dashboard', '@uppy/golden-retriever'] },
    build: { outDir, emptyOutDir: true },
  };
}
