/** `[ms since the clock started, bytes sent, files stored]`. */
export type ProgressSample = [number, number, number];

/** Keeps an upload's running totals and samples them: see recordProgress. */
export interface ProgressRecorder {
  /** All of a file's bytes sent so far. */
  sent(file: string, bytes: number): void;
  /** One more file stored. */
  stored(): void;
  /** The samples, the first at 0 and the last taken now. */
  finish(): ProgressSample[];
}

/**
 * Bytes sent and files stored while an upload runs, for a chart of its pace: updated on every
 * event, sampled at most every `everyMs`, so what each event costs is an addition and a clock
 * read (beside what Uppy itself does per event, nothing).
 *
 * @param started The upload clock's start, `performance.now()`.
 * @example
 * const progress = recordProgress(performance.now());
 * uppy.on('upload-progress', (file, { bytesUploaded }) => file && progress.sent(file.id, bytesUploaded));
 */
export function recordProgress(started: number, everyMs = 50): ProgressRecorder {
  const perFile = new Map<string, number>();
  let bytes = 0;
  let files = 0;
  let last = started;
  const samples: ProgressSample[] = [[0, 0, 0]];
  const sample = (now: number) => {
    last = now;
    samples.push([Math.round((now - started) * 10) / 10, bytes, files]);
  };
  const maybeSample = () => {
    const now = performance.now();
    if (now - last >= everyMs) sample(now);
  };
  return {
    sent(file, total) {
      bytes += total - (perFile.get(file) ?? 0);
      perFile.set(file, total);
      maybeSample();
    },
    stored() {
      files += 1;
      maybeSample();
    },
    finish() {
      sample(performance.now());
      return samples;
    },
  };
}
