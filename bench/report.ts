/** Writes one benchmark's section into docs/benchmarks.md, replacing its previous run. */
import { readFile, writeFile } from 'node:fs/promises';

import { ROOT } from './lib.js';

const FILE = `${ROOT}docs/benchmarks.md`;
const HEADER = `# Benchmarks

Each section is written by its script under \`bench/\` (run with \`npm run bench:NAME\`), with
the date and the machine it ran on. Ratios compare runs made in the same session against the
same server and data. Numbers from a loaded or different machine will differ; the ratios are
what the targets are about.
`;

export async function writeReport(name: string, title: string, body: string): Promise<void> {
  let text = HEADER;
  try {
    text = await readFile(FILE, 'utf8');
  } catch {}
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${title}\n\n${body}\n${end}`;
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = pattern.test(text)
    ? text.replace(pattern, () => section)
    : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(FILE, text);
}
