import { defineConfig } from 'vitest/config';

// The AWS SDK warns in every test process that its 2027 releases will need Node 22 (noted in the
// README); once is enough to know, and the test output stays readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real radosgw for the whole run, started before the first test file and stopped after the last.
    globalSetup: ['test/setup/s3GlobalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only make radosgw and the tests fight for CPU.
    maxWorkers: 2,
    reporters: ['default', './test/setup/summaryReporter.ts'],
  },
});
