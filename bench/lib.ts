/** Shared by the benchmarks: timing child processes with peak RSS, machine facts, tables. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;

export interface Measured {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/**
 * Runs a command under GNU time; rejects on a non-zero exit. With
 * `timeoutMs`, a command still running then is stopped and reported as
 * `timedOut` (its time is the limit) instead of failing the benchmark.
 */
export function measure(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number,
): Promise<Measured & { timedOut?: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'BENCH %e %M', command, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // GNU time reports when its child exits, so the child is stopped, not time.
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            spawn('pkill', ['-TERM', '-P', String(child.pid)]);
          }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH '));
      const [, seconds, kb] = (line ?? '').split(' ');
      if (timedOut && line) {
        return resolve({
          seconds: (timeoutMs ?? 0) / 1000,
          peakRssMb: Number(kb) / 1024,
          stdout,
          timedOut,
        });
      }
      if (code !== 0 || !line) {
        return reject(
          new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr.slice(-3000)}`),
        );
      }
      resolve({ seconds: Number(seconds), peakRssMb: Number(kb) / 1024, stdout });
    });
  });
}

export function node(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', `${ROOT}${script}`, ...args]];
}

export function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  let os = 'Linux';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {}
  return `${cpus().length} × ${model}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os}, Node ${process.version}`;
}

export function withDb(uri: string, db: string): string {
  const url = new URL(uri);
  url.pathname = `/${db}`;
  return url.toString();
}

export function mb(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
