let answer: boolean | undefined;

/**
 * Whether this engine's `Blob.stream()` is a byte stream with a BYOB reader (feature detection; no
 * engine is named). Chromium's and Firefox's are; WebKit's (WebKitGTK 2.50) is not, and where byte
 * streams are switched on there it ignores `read(view, { min })` (docs/browser-engines.md).
 */
export function blobByobSupported(): boolean {
  if (answer === undefined) {
    try {
      new Blob([]).stream().getReader({ mode: 'byob' }).releaseLock();
      answer = true;
    } catch {
      answer = false;
    }
  }
  return answer;
}
