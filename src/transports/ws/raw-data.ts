import type { RawData } from 'ws';

/** One ws message's payload as one Buffer, however the library delivered it. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
