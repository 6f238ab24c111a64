/**
 * Backups must open without nsctl: what we write, the age tool reads, and
 * what the age tool writes, we read. The age tool asks for passphrases on a
 * terminal only, so those cases run it under `script`, which gives it one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';

import { createGzipStream } from '../../src/adapters/compress/gzip-stream.js';
import {
  formatIdentityFile,
  generateAgeKeyPair,
  readIdentityFile,
} from '../../src/adapters/crypto/age-keys.js';
import {
  createAgeDecryptStream,
  createAgeEncryptStream,
} from '../../src/adapters/crypto/age-stream.js';

interface ToolResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function runTool(command: string, args: string[], input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    // Tools that exit without reading stdin (--version) would otherwise fail the test with EPIPE.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    child.stdin.end(input ?? '');
  });
}

async function probe(command: string, args: string[]): Promise<string | undefined> {
  try {
    await runTool(command, args);
    return undefined;
  } catch {
    return `${command} is not on PATH`;
  }
}

/** Runs a shell command line under a pseudo-terminal that types `lines`. */
function runOnTerminal(commandLine: string, lines: string[]): Promise<ToolResult> {
  return runTool('script', ['-qec', commandLine, '/dev/null'], lines.map((l) => `${l}\n`).join(''));
}

async function pass(input: Buffer, ...steps: Duplex[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline([Readable.from([input]), ...steps, sink]);
  return Buffer.concat(out);
}

const ageMissing = await probe('age', ['--version']);
const scriptMissing = ageMissing ?? (await probe('script', ['--version']));
const title = (name: string, reason: string | undefined) =>
  reason ? `${name} (skipped: ${reason})` : name;

const dir = await mkdtemp(join(tmpdir(), 'nsctl-age-cli-'));
after(() => rm(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);
const data = Buffer.concat([randomBytes(200_000), Buffer.from('{"sgv":120}\n'.repeat(10_000))]);

test(title('age -d decrypts what we encrypt to an X25519 recipient', ageMissing), {
  skip: !!ageMissing,
}, async () => {
  const pair = await generateAgeKeyPair();
  await writeFile(path('ours.key'), formatIdentityFile(pair), { mode: 0o600 });
  await writeFile(
    path('ours.age'),
    await pass(data, createAgeEncryptStream({ recipients: [pair.recipient] })),
  );
  const result = await runTool('age', ['-d', '-i', path('ours.key'), path('ours.age')]);

  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout, data);
});

test(title('we decrypt what age -e writes for an age-keygen key', ageMissing), {
  skip: !!ageMissing,
}, async () => {
  const keygen = await runTool('age-keygen', ['-o', path('tool.key')]);
  assert.equal(keygen.code, 0, keygen.stderr);
  const recipient = (await runTool('age-keygen', ['-y', path('tool.key')])).stdout
    .toString()
    .trim();
  await writeFile(path('plain.bin'), data);
  const encrypted = await runTool('age', ['-e', '-r', recipient, path('plain.bin')]);
  const identities = await readIdentityFile(path('tool.key'));

  assert.deepEqual(await pass(encrypted.stdout, createAgeDecryptStream({ identities })), data);
});

test(title('age -d opens our gzip+age stream: age -d | gunzip gives the original', ageMissing), {
  skip: !!ageMissing,
}, async () => {
  const pair = await generateAgeKeyPair();
  await writeFile(path('pipe.key'), formatIdentityFile(pair), { mode: 0o600 });
  const sealed = await pass(
    data,
    createGzipStream(),
    createAgeEncryptStream({ recipients: [pair.recipient] }),
  );
  await writeFile(path('pipe.archive.gz.age'), sealed);
  const result = await runTool('sh', [
    '-c',
    `age -d -i '${path('pipe.key')}' '${path('pipe.archive.gz.age')}' | gzip -dc`,
  ]);

  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout, data);
});

test(title(
  'age -d (passphrase typed on a terminal) decrypts our passphrase encryption',
  scriptMissing,
), { skip: !!scriptMissing }, async () => {
  const encrypted = await pass(
    data,
    createAgeEncryptStream({ passphrase: 'tiny-test-phrase', scryptWorkFactor: 10 }),
  );
  await writeFile(path('pass.age'), encrypted);
  const result = await runOnTerminal(`age -d -o '${path('pass.out')}' '${path('pass.age')}'`, [
    'tiny-test-phrase',
  ]);

  assert.equal(result.code, 0, result.stdout.toString());
  assert.deepEqual(await readFile(path('pass.out')), data);
});

test(title('we decrypt what age -p writes (work factor 18)', scriptMissing), {
  skip: !!scriptMissing,
}, async () => {
  await writeFile(path('plain2.bin'), data);
  const phrase = 'another-test-phrase';
  const result = await runOnTerminal(
    `age -p -o '${path('tool-pass.age')}' '${path('plain2.bin')}'`,
    [phrase, phrase],
  );
  assert.equal(result.code, 0, result.stdout.toString());
  const encrypted = await readFile(path('tool-pass.age'));

  assert.match(encrypted.subarray(0, 80).toString(), /-> scrypt \S+ 18\n/);
  assert.deepEqual(await pass(encrypted, createAgeDecryptStream({ passphrases: [phrase] })), data);
});
