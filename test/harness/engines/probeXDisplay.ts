import { connect } from 'node:net';

/**
 * Opens an X connection to `display` (e.g. `:3`) over its Unix socket, `/tmp/.X11-unix/X3`, and
 * resolves once the server accepts the connection setup, as any X client's first exchange would;
 * rejects with the reason otherwise (nobody listening, refused, closed, no answer in `timeoutMs`).
 * Needs no X client program, so none has to be installed beside Xvfb.
 */
export function probeXDisplay(display: string, timeoutMs = 5000): Promise<void> {
  const path = `/tmp/.X11-unix/X${display.replace(/^:/, '').replace(/\.\d+$/, '')}`;
  // The connection setup request: byte order 'l' (little-endian), protocol 11.0, no authorization.
  const setup = Buffer.from([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return new Promise<void>((resolve, reject) => {
    const socket = connect(path);
    let answer = Buffer.alloc(0);
    const settle = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => settle(new Error(`${display} (${path}) gave no answer to an X connection setup within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(setup));
    socket.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      if (answer[0] === 1) return settle();
      // Failed (0) says why in a string of answer[1] bytes from offset 8; Authenticate (2) asks for a cookie.
      if (answer[0] === 0 && answer.length >= 8 + answer[1]!) {
        settle(new Error(`${display} refused an X connection: ${answer.subarray(8, 8 + answer[1]!).toString('latin1')}`));
      } else if (answer[0] === 2) {
        settle(new Error(`${display} asked an X connection for authorization`));
      }
    });
    socket.once('end', () => settle(new Error(`${display} closed an X connection during its setup`)));
    socket.once('error', (error: NodeJS.ErrnoException) => settle(new Error(`nothing answers on ${display} (${path}: ${error.code ?? error.message})`)));
  });
}
