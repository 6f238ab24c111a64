/**
 * A pass-through stream that counts bytes and hashes them with SHA-256 on
 * their way to storage, so the manifest records the archive exactly as it
 * was written, without reading the file back.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface ByteTap {
  stream: Transform;
  bytes(): number;
  sha256(): string;
}

export function createByteTap(): ByteTap {
  const hash = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return {
    stream,
    bytes: () => bytes,
    sha256: () => {
      digest ??= hash.digest('hex');
      return digest;
    },
  };
}
