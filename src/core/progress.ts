/**
 * Progress as data. Core code reports through a {@link Progress}; the CLI
 * decides how it looks (a bar with ETA on a TTY, plain lines elsewhere, JSON
 * events with --json, nothing with --quiet).
 */

export interface ProgressEvent {
  kind: 'start' | 'update' | 'finish';
  /** Stable task id, e.g. `collection:entries`. */
  task: string;
  /** Human label, e.g. `entries`. */
  label: string;
  /** Units done so far (documents, bytes…). */
  done: number;
  /** Expected total, when known. */
  total?: number;
  unit: string;
  /** Secondary measure, e.g. bytes while `done` counts documents. */
  bytes?: number;
  /** Milliseconds since the task started. */
  elapsedMs: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressTask {
  update(done: number, bytes?: number): void;
  finish(): void;
}

export interface Progress {
  task(id: string, options: { label: string; total?: number; unit: string }): ProgressTask;
}

/** A Progress that turns calls into events for one listener. */
export function createProgress(listener: ProgressListener, now = () => Date.now()): Progress {
  return {
    task(id, options) {
      const started = now();
      let done = 0;
      let bytes: number | undefined;
      const emit = (kind: ProgressEvent['kind']) =>
        listener({
          kind,
          task: id,
          label: options.label,
          done,
          ...(options.total === undefined ? {} : { total: options.total }),
          unit: options.unit,
          ...(bytes === undefined ? {} : { bytes }),
          elapsedMs: now() - started,
        });
      emit('start');
      return {
        update(value, byteCount) {
          done = value;
          if (byteCount !== undefined) bytes = byteCount;
          emit('update');
        },
        finish() {
          emit('finish');
        },
      };
    },
  };
}

export const silentProgress: Progress = createProgress(() => {});

/** Rate in units per second and ETA in seconds, when they can be known. */
export function estimate(event: ProgressEvent): { rate: number; etaSeconds?: number } {
  const seconds = event.elapsedMs / 1000;
  const rate = seconds > 0 ? event.done / seconds : 0;
  if (event.total === undefined || rate <= 0) return { rate };
  return { rate, etaSeconds: Math.max(0, (event.total - event.done) / rate) };
}
