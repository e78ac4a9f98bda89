// The text of the user service that keeps `switchyard serve` running: a
// systemd user unit (Linux, WSL) or a launchd agent (macOS). Pure functions,
// so the exact text is unit-tested and checked by systemd-analyze verify.

export const systemdUnitName = 'switchyard.service';
export const launchdLabel = 'dev.switchyard.serve';

export interface ServiceCommand {
  /** The Node (or Electron-as-Node) binary. */
  execPath: string;
  /** The CLI script and its arguments: bin/switchyard.js serve --data-dir DIR. */
  args: readonly string[];
}

/** systemd.syntax(7): double quotes with backslash escapes; `%` starts a specifier, so `%%` is a percent sign. */
const systemdWord = (word: string) => `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;

export function systemdUnit({ execPath, args }: ServiceCommand): string {
  return [
    '# Written by `switchyard service install`; `switchyard service uninstall` removes it.',
    '[Unit]',
    'Description=Switchyard: local reverse proxy and load balancer',
    'After=network.target',
    // A port already taken or a broken database would otherwise restart forever.
    'StartLimitIntervalSec=60',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[execPath, ...args].map(systemdWord).join(' ')}`,
    // Not after a clean stop (systemctl --user stop, Ctrl+C's SIGTERM): only when it crashed or could not start.
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function launchdPlist({ execPath, args }: ServiceCommand, logFile: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${launchdLabel}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[execPath, ...args].map((word) => `    <string>${xml(word)}</string>`),
    '  </array>',
    '  <key>RunAtLoad</key><true/>',
    // Restarted when it crashes, not after a clean exit (launchd.plist(5) KeepAlive SuccessfulExit).
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    '  <key>ThrottleInterval</key><integer>5</integer>',
    `  <key>StandardOutPath</key><string>${xml(logFile)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(logFile)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
