/**
 * Nightscout's access tokens, derived as Nightscout 15 derives them
 * (lib/server/enclave.js `getSubjectHash`, lib/authorization/storage.js):
 * the subject digest is the SHA-1 hex of the API secret's SHA-1 hex followed
 * by the subject's `_id` as a string, and the token is the subject's name
 * (lower-case, word characters only, at most 10) then `-` then the first 16
 * digest digits. Older Nightscout kept the secret's SHA-1 hex in
 * `env.api_secret` and hashed the same two strings, so tokens are stable
 * across versions. Change the secret or an `_id` and every token changes.
 *
 * Tokens are secrets: callers must not print them.
 */
import { createHash } from 'node:crypto';

export interface TokenSubject {
  /** The subject's `_id` as Nightscout's `_id.toString()` gives it (an ObjectId's hex). */
  id: string;
  /** The subject's `name`; empty when the document has none. */
  name: string;
}

/** Digits of the digest that make up the token, and the length Nightscout requires. */
export const TOKEN_DIGEST_DIGITS = 16;

function hashSha1Hex(...parts: string[]): string {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part, 'utf8');
  return hash.digest('hex');
}

/** The subject digest Nightscout matches a token's digits against. */
export function deriveSubjectDigest(apiSecret: string, subjectId: string): string {
  return hashSha1Hex(hashSha1Hex(apiSecret), subjectId);
}

/** The name part of a token: `name.toLowerCase().replace(/\W/g, '').slice(0, 10)`. */
export function abbreviateSubjectName(name: string): string {
  return name.toLowerCase().replace(/\W/g, '').substring(0, 10);
}

/** The access token Nightscout shows for a subject, e.g. `phone-0123456789abcdef`. */
export function deriveAccessToken(apiSecret: string, subject: TokenSubject): string {
  const digest = deriveSubjectDigest(apiSecret, subject.id);
  return `${abbreviateSubjectName(subject.name)}-${digest.substring(0, TOKEN_DIGEST_DIGITS)}`;
}
