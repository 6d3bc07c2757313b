/** `npm run demo:build`: bundles the demo page into demo/dist, which `NODE_ENV=production npm run demo` serves. */
import { build } from 'vite';
import { DEMO_ASSETS, demoViteConfig } from './demoViteConfig.js';

const started = Date.now();
await build({ ...demoViteConfig(), logLevel: 'info' });
console.log(`Demo page built into ${DEMO_ASSETS} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
