/** The systemd service and timer, and the crontab line, for scheduled backups. */
import { cronToOnCalendar } from './cron-to-systemd.js';

export interface ScheduleInput {
  cron: string;
  timezone: string;
  nsctl: string;
  configPath?: string;
  /** Prune after each backup when a retention policy is configured. */
  retention: boolean;
}

export interface ScheduleUnits {
  service: string;
  timer: string;
  crontab: string;
  notes: string[];
  text: string;
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function renderSchedule(input: ScheduleInput): ScheduleUnits {
  const { onCalendar, notes } = cronToOnCalendar(input.cron, input.timezone);
  const config = input.configPath ? ` --config ${quote(input.configPath)}` : '';
  const run = `${quote(input.nsctl)}${config} --quiet backup run`;
  const prune = `${quote(input.nsctl)}${config} --quiet backup prune`;
  const service = [
    '[Unit]',
    'Description=nsctl backup of Nightscout',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    '# Secrets: put NSCTL_BACKUP_PASSPHRASE_FILE / NSCTL_MONGODB_URI_FILE here or in an EnvironmentFile.',
    `ExecStart=${run}`,
    ...(input.retention ? [`ExecStartPost=${prune}`] : []),
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    'Description=Run nsctl backup on schedule',
    '',
    '[Timer]',
    `OnCalendar=${onCalendar}`,
    'Persistent=true',
    'RandomizedDelaySec=60',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  const crontab = `CRON_TZ=${input.timezone}\n${input.cron} ${run}${input.retention ? ` && ${prune}` : ''}\n`;
  const text = [
    '# /etc/systemd/system/nsctl-backup.service',
    service,
    '# /etc/systemd/system/nsctl-backup.timer',
    timer,
    '# then: systemctl daemon-reload && systemctl enable --now nsctl-backup.timer',
    '',
    '# or, in a crontab (crontab -e):',
    crontab,
    ...notes.map((n) => `# note: ${n}`),
  ].join('\n');
  return { service, timer, crontab, notes, text };
}
