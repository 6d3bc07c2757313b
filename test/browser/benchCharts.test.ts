/**
 * The benchmark charts as a README shows them: each chart drawn from the fixed result file
 * (test/fixtures/benchResults.json) parses as SVG in Chromium and shows as an `<img>` at the size
 * it declares. (That nothing in them loads or runs is checked on their text, in formatChart.test.ts:
 * an `<img>` would not fetch it anyway.)
 */
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BenchSection } from '../../bench/report/benchReport.js';
import { formatChart } from '../../bench/charts/formatChart.js';
import { launchPlaywrightChromium } from '../harness/engines/launchChromium.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchPlaywrightChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('every chart of the fixture parses as SVG and shows as an image at its declared size', async () => {
  const { sections } = JSON.parse(await readFile(new URL('../fixtures/benchResults.json', import.meta.url), 'utf8')) as { sections: BenchSection[] };
  const page = await browser.newPage();
  const charts = sections.map((section) => formatChart(section, 'fixture')).filter((svg) => svg !== undefined);
  expect(charts).toHaveLength(3);
  for (const svg of charts) {
    const shown = await page.evaluate(async (text) => {
      const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
      const root = parsed.documentElement;
      const image = new Image();
      image.src = `data:image/svg+xml;base64,${btoa(String.fromCodePoint(...new TextEncoder().encode(text)))}`;
      await image.decode();
      return {
        errors: parsed.getElementsByTagName('parsererror').length,
        root: `${root.namespaceURI} ${root.localName}`,
        declared: [Number(root.getAttribute('width')), Number(root.getAttribute('height'))],
        shown: [image.naturalWidth, image.naturalHeight],
      };
    }, svg);
    expect(shown.errors).toBe(0);
    expect(shown.root).toBe('http://www.w3.org/2000/svg svg');
    expect(shown.declared[0]).toBe(800);
    expect(shown.shown).toEqual(shown.declared);
  }
  await page.close();
});
