/**
 * The fix line for a schema problem in nsctl.yaml. Zod says what is wrong
 * ("Too small: expected number to be >=0"); this says what to write instead,
 * from the issue's own facts, or from the rule of the key for the few keys
 * whose rules zod cannot describe (patterns and custom checks).
 */
import type { z } from 'zod';

/** Keys whose values follow a pattern or a custom check in schema.ts; keep in step with it. */
const KEY_FIXES: Record<string, string> = {
  instance:
    'use letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. smith-family',
  timezone: 'use an IANA time zone name, e.g. Europe/London, America/New_York or UTC',
  cron: 'use five fields (minute hour day month weekday) in quotes, e.g. "15 3 * * *" for 03:15 daily',
  recipients: 'use the public key age-keygen printed (age1…), never the AGE-SECRET-KEY line',
  apiSecret:
    'use the API_SECRET your Nightscout site uses (12 characters or more), better set in NSCTL_API_SECRET',
  url: 'use the full address of the site, e.g. https://nightscout.example.com',
};

const COLLECTION_FIX = 'use the collection name as Nightscout has it, without "$"';

const TYPE_NOUNS: Record<string, string> = {
  number: 'a number (no quotes)',
  int: 'a whole number (no quotes)',
  string: 'text (in quotes if it looks like a number, true/false or starts with a symbol)',
  boolean: 'true or false',
  array: 'a list, e.g. [a, b]',
};

/** The last named key of a path: `recipients` for backup.encryption.recipients.0. */
function lastKey(path: readonly PropertyKey[]): string {
  return String([...path].reverse().find((key) => typeof key === 'string') ?? '');
}

function typeFix(
  issue: z.core.$ZodIssueInvalidType,
  path: readonly PropertyKey[],
  present: boolean,
): string {
  if (!present) {
    const parent = path.slice(0, -1).join('.');
    return `add ${lastKey(path)}${parent ? ` under ${parent}` : ''}: it is required there`;
  }
  if (issue.expected === 'object') return 'write its keys on the lines below it, indented';
  return `set it to ${TYPE_NOUNS[issue.expected] ?? `a value of type ${issue.expected}`}`;
}

function sizeFix(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const exclusive = issue.inclusive === false;
  const bound = `${small ? (exclusive ? '>' : '≥') : exclusive ? '<' : '≤'} ${limit}`;
  switch (issue.origin) {
    case 'string':
      return small && limit === 1
        ? 'give it a value, or remove the key'
        : `use ${small ? 'at least' : 'at most'} ${limit} characters`;
    case 'array':
    case 'set':
      return `list ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return `set it to a number ${bound}`;
  }
}

/**
 * What to write instead, for one schema issue. `present` says whether the
 * file (or the environment) gives the key at all: zod leaves the input out
 * of its issues, so a missing key and a wrong type look alike.
 */
export function fixForIssue(issue: z.core.$ZodIssue, present: boolean): string {
  const path = issue.path;
  switch (issue.code) {
    case 'invalid_type':
      return typeFix(issue, path, present);
    case 'too_small':
    case 'too_big':
      return KEY_FIXES[lastKey(path)] ?? sizeFix(issue);
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'not_multiple_of':
      return `use a multiple of ${String(issue.divisor)}`;
    default: {
      if (path[0] === 'nightscout' && path[1] === 'collections') return COLLECTION_FIX;
      return (
        KEY_FIXES[lastKey(path)] ??
        `correct the value; \`nsctl config schema\` describes what ${lastKey(path) || 'the file'} accepts`
      );
    }
  }
}
