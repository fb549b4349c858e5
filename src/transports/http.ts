import type { IncomingMessage } from 'node:http';

/** An HTTP failure the agent answers with `status` and a JSON `{ error: { message } }` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request body of at most `maxBytes`: past that, a 413 naming `what`. `onEnd` runs the moment
 * the last byte is in, before the promise hands the body on (REST marks `agent.speech_end_received` there).
 */
export function readBody(request: IncomingMessage, maxBytes: number, what: string, onEnd?: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new HttpError(413, `${what} exceeds ${maxBytes} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      onEnd?.();
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}
