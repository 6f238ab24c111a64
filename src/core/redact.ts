/**
 * The one place secrets are removed from text before it reaches a log, an
 * error, a report, a metric label or the terminal. Every output path of nsctl
 * passes through {@link redact} or {@link redactValue}.
 */
import { createHash } from 'node:crypto';

export const REDACTED = '***';

/** Literal secrets known at run time (API secret, passphrases, tokens). */
const knownSecrets = new Set<string>();

/** Secrets shorter than this are not matched literally: too many false hits. */
const MIN_LITERAL_LENGTH = 6;

/**
 * Registers a secret so that it, and the SHA-1/SHA-512 hex digests under
 * which Nightscout transmits an API secret, are masked wherever they appear.
 */
export function registerSecret(secret: string | undefined): void {
  if (secret === undefined || secret.length < MIN_LITERAL_LENGTH) return;
  knownSecrets.add(secret);
  knownSecrets.add(createHash('sha1').update(secret).digest('hex'));
  knownSecrets.add(createHash('sha512').update(secret).digest('hex'));
  // URIs carry passwords percent-encoded.
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) knownSecrets.add(encoded);
}

/**
 * Registers the password of a connection string, and the part of its user
 * name after a ':' (percent-encoded or not, the driver sees "u:pw" either
 * way), so the server's or the driver's own messages cannot reveal them.
 */
export function registerUriSecrets(uri: string): void {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(uri)?.[1];
  if (!userinfo) return;
  const colon = userinfo.indexOf(':');
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  if (colon !== -1) registerSecret(safeDecode(userinfo.slice(colon + 1)));
  const decodedUser = safeDecode(user);
  if (decodedUser.includes(':')) registerSecret(decodedUser.slice(decodedUser.indexOf(':') + 1));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** For tests: forget every registered secret. */
export function clearRegisteredSecrets(): void {
  knownSecrets.clear();
}

// user:password@ in any scheme://… URI; the password may contain anything but
// '@' and whitespace, and the last '@' before the host wins.
const URI_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/]*)@/gi;
// A user name holding a percent-encoded ':' ("u%3Apw@"): by URI rules it is
// all user name, but people write it meaning user:password, so everything
// from the encoded ':' on is masked too.
const URI_ENCODED_COLON_USER = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*?)%3A[^\s/]*@/gi;
// key=value and key: value pairs whose key names a secret.
// The value must be 6+ characters and not open a JSON object or array, so
// `"apiSecret": {` in a schema and prose like "apiSecret: a secret is…" stay.
const SECRET_PAIR =
  /\b((?:[a-z0-9_-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|authorization))["']?\s*[:=]\s*["']?)((?:Bearer\s+)?(?![{[])[^\s"',;&}]{6,})/gi;
const AGE_IDENTITY = /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

/** Masks every secret found in a string. */
export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(
      URI_ENCODED_COLON_USER,
      (_m, scheme: string, user: string) => `${scheme}${user}%3A${REDACTED}@`,
    )
    .replace(URI_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_PAIR, (_m, key: string) => `${key}${REDACTED}`)
    .replace(AGE_IDENTITY, `AGE-SECRET-KEY-${REDACTED}`)
    .replace(BEARER, (_m, prefix: string) => `${prefix}${REDACTED}`);
}

const SECRET_KEY = /(password|passwd|passphrase|secret|token|apikey|api_key|authorization)/i;

/**
 * Deep copy of a value with secrets masked: string leaves pass through
 * {@link redact}; values under keys that name a secret are replaced whole.
 * Buffers and other binary values are summarised, never copied.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 20) return '[nested too deep]';
  if (value instanceof Error) return redact(value.message);
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // Only string values are secrets: `tokensChecked: true` or `tokenCount: 3` stay readable.
    const masked = SECRET_KEY.test(key) && typeof inner === 'string' && inner !== '';
    out[key] = masked ? REDACTED : redactValue(inner, depth + 1);
  }
  return out;
}
