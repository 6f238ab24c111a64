/**
 * A directory written by `mongodump --out` (without `--archive`): one
 * folder per database holding `<collection>.bson` and
 * `<collection>.metadata.json` per collection, both gzipped with `--gzip`.
 * Views have metadata only. Time-series buckets (`system.buckets.*`) and
 * other system collections are left out, as Nightscout has none.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

import { type CollectionMetadata, parseCollectionMetadata } from '../../core/archive/metadata.js';
import { NsctlError } from '../../core/errors.js';

export interface DumpCollection {
  name: string;
  bsonFile?: string;
  metadataFile?: string;
  /** Whether the .bson file is gzipped: told by its first bytes, not its name. */
  gzip: boolean;
  /** Size of the .bson file on disk (compressed when gzipped). */
  fileBytes: number;
}

export interface DumpDirectory {
  /** The database folder. */
  path: string;
  database: string;
  collections: DumpCollection[];
}

const DUMP_FILE = /^(.+?)\.(bson|metadata\.json)(\.gz)?$/;
const SYSTEM_DATABASES = new Set(['admin', 'config', 'local']);

function decodeName(name: string): string {
  // mongodump percent-escapes characters that cannot be in a file name.
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

async function listDumpFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && DUMP_FILE.test(e.name)).map((e) => e.name);
}

async function collect(dir: string, files: string[]): Promise<DumpCollection[]> {
  const byName = new Map<string, DumpCollection>();
  for (const file of files) {
    const [, raw = '', kind] = DUMP_FILE.exec(file) ?? [];
    const name = decodeName(raw);
    if (name.startsWith('system.')) continue;
    const entry = byName.get(name) ?? { name, gzip: false, fileBytes: 0 };
    if (kind === 'bson') {
      entry.bsonFile = join(dir, file);
      entry.fileBytes = (await stat(entry.bsonFile)).size;
      entry.gzip = await startsLikeGzip(entry.bsonFile);
    } else {
      entry.metadataFile = join(dir, file);
    }
    byName.set(name, entry);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * mongodump --gzip compresses both files of a collection, but a folder
 * put together by hand may mix them, and a name can lie either way.
 */
async function startsLikeGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && isGzip(head);
  } finally {
    await handle.close();
  }
}

const isGzip = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b;

async function findDatabaseDir(path: string): Promise<string> {
  if ((await listDumpFiles(path)).length > 0) return path;
  const entries = await readdir(path, { withFileTypes: true });
  const candidates: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || SYSTEM_DATABASES.has(entry.name)) continue;
    if ((await listDumpFiles(join(path, entry.name))).length > 0) candidates.push(entry.name);
  }
  if (candidates.length === 1) return join(path, candidates[0] as string);
  const problem =
    candidates.length === 0
      ? 'holds no mongodump output (no .bson or .metadata.json files)'
      : `holds dumps of several databases (${candidates.join(', ')})`;
  throw new NsctlError('USAGE', `${path} ${problem}`, {
    where: path,
    hint:
      candidates.length === 0
        ? 'Pass the folder mongodump wrote (its --out), or the folder of one database in it.'
        : `Pass the folder of one database, e.g. ${join(path, candidates[0] as string)}.`,
  });
}

export async function openDumpDir(path: string): Promise<DumpDirectory> {
  let dir: string;
  try {
    dir = await findDatabaseDir(path);
  } catch (error) {
    if (error instanceof NsctlError) throw error;
    throw new NsctlError('USAGE', `cannot read the dump directory ${path}`, {
      where: path,
      hint: 'Check the path to the folder mongodump wrote.',
      cause: error,
    });
  }
  return {
    path: dir,
    database: basename(dir),
    collections: await collect(dir, await listDumpFiles(dir)),
  };
}

export async function readDumpMetadata(
  collection: DumpCollection,
): Promise<CollectionMetadata | undefined> {
  if (!collection.metadataFile) return undefined;
  const bytes = await readFile(collection.metadataFile);
  let text: string;
  try {
    text = isGzip(bytes)
      ? (await promisify(gunzip)(bytes)).toString('utf8')
      : bytes.toString('utf8');
  } catch (error) {
    throw new NsctlError('ARCHIVE_CORRUPT', `${collection.metadataFile} is not valid gzip data`, {
      where: collection.metadataFile,
      cause: error,
    });
  }
  return parseCollectionMetadata(text, collection.metadataFile);
}

/** True when `path` is a directory (a mongodump --out folder) rather than an archive file. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
