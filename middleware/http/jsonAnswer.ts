/** An answer, for the adapter to send as its framework sends answers. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** JSON, encoded (UTF-8) once, here: the adapters send these bytes as they are. */
  body: Uint8Array<ArrayBuffer>;
}

/** `value` as the middleware answers everything: JSON, its length, and no caching. */
export function jsonAnswer(status: number, value: unknown): HttpAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(body.length),
      // Answers carry fresh signatures and upload state: no cache may keep or replay them.
      'Cache-Control': 'no-store',
    },
    body,
  };
}
