/**
 * age key pairs and identity files, in the format `age-keygen` writes, so a
 * key made by nsctl works with the age tool and the other way round.
 */
import { readFile } from 'node:fs/promises';

import { generateX25519Identity, identityToRecipient } from 'age-encryption';

import { NsctlError } from '../../core/errors.js';

export interface AgeKeyPair {
  /** The secret key, `AGE-SECRET-KEY-1…`: whoever holds it can read the backups. */
  identity: string;
  /** The public key, `age1…`, to put in backup.encryption.recipients. */
  recipient: string;
}

export async function generateAgeKeyPair(): Promise<AgeKeyPair> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** An identity file as `age-keygen` writes it: comments with the date and public key. */
export function formatIdentityFile(pair: AgeKeyPair, createdAt = new Date()): string {
  const created = createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `# created: ${created}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
}

const IDENTITY_LINE = /^AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+$/;

/**
 * The secret keys in an identity file: one per line, `#` comments and blank
 * lines ignored. Errors name the line, never its content.
 */
export function parseIdentityFile(text: string, where: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!IDENTITY_LINE.test(line)) {
      throw new NsctlError(
        'DECRYPT_FAILED',
        `line ${i + 1} of the identity file is not an age secret key`,
        {
          where: `${where}:${i + 1}`,
          hint: 'Each key line starts with AGE-SECRET-KEY-1 (SSH keys and plugins are not supported).',
        },
      );
    }
    identities.push(line);
  });
  if (identities.length === 0) {
    throw new NsctlError('DECRYPT_FAILED', 'the identity file holds no AGE-SECRET-KEY-1 line', {
      where,
    });
  }
  return identities;
}

export async function readIdentityFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new NsctlError('SECRET_FILE_UNREADABLE', `cannot read the age identity file ${path}`, {
      where: path,
      hint: 'Check backup.encryption.identityFile: the file must exist and be readable by this user.',
      cause: error,
    });
  }
  return parseIdentityFile(text, path);
}
