/**
 * What to tell a user who passed a file that is no archive at all: what the
 * file looks like instead, from its first bytes and its name.
 */
import { isUtf8 } from 'node:buffer';

import { NsctlError } from '../errors.js';

const ACCEPTED =
  'nsctl reads files written by `mongodump --archive` (plain or with --gzip) and nsctl backup archives (gzip, optionally age-encrypted).';

/**
 * A file that does not even start like an archive was named by mistake: a
 * usage error that says what the file looks like instead. A file that starts
 * right and is damaged further on is an integrity failure, found later.
 * With `gzipped`, `head` is the start of what the gzip file holds.
 */
export function refuseForeignFile(
  path: string,
  head: Buffer,
  options: { gzipped?: boolean } = {},
): NsctlError {
  const name = options.gzipped ? path.replace(/\.gz$/i, '') : path;
  const bson = /\.bson$/i.test(name) || looksLikeBson(head);
  const what = bson
    ? "it looks like one collection's .bson file from a mongodump folder"
    : describeForeignBytes(head);
  const file = options.gzipped ? `${path} is gzip, and what it holds` : path;
  return new NsctlError('USAGE', `${file} is not a mongodump archive: ${what}`, {
    where: path,
    hint: bson
      ? `Pass the dump folder that holds it to \`nsctl migrate --from <folder>\`, or make one archive file with \`mongodump --archive=dump.archive\`. ${ACCEPTED}`
      : ACCEPTED,
  });
}

const OTHER_FORMATS: Array<[string, number[]]> = [
  ['a zip file', [0x50, 0x4b, 0x03, 0x04]],
  ['bzip2-compressed', [0x42, 0x5a, 0x68]],
  ['xz-compressed', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd-compressed', [0x28, 0xb5, 0x2f, 0xfd]],
];

function describeForeignBytes(head: Buffer): string {
  if (head.length === 0) return 'the file is empty';
  for (const [name, magic] of OTHER_FORMATS) {
    if (magic.every((b, i) => head[i] === b)) return `it is ${name} (decompress it first)`;
  }
  if (isText(head)) {
    return /^\s*[[{]/.test(head.toString('utf8'))
      ? "it is JSON text (for an nsctl backup's manifest, name the backup by its id instead)"
      : 'it is a text file';
  }
  const hex = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with the bytes ${hex}, which begin neither a mongodump archive, gzip nor age`;
}

/** UTF-8 without control characters but tab and line ends; the head may cut a character short. */
function isText(head: Buffer): boolean {
  const controls = head.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  if (controls) return false;
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    if (isUtf8(head.subarray(0, head.length - cut))) return true;
  }
  return false;
}

/** A BSON document's start: a plausible length, then a known element type and a name. */
function looksLikeBson(head: Buffer): boolean {
  if (head.length < 6) return false;
  const length = head.readInt32LE(0);
  const type = head[4] ?? 0;
  const knownType = (type >= 0x01 && type <= 0x13) || type === 0x7f || type === 0xff;
  return length >= 5 && length <= 17 * 1024 * 1024 && knownType && head[5] !== 0;
}
