import { afterEach, describe, expect, it } from 'vitest';
import { installSystemTrust } from '../../src/main/core/tls';
import { elevatedCommand } from '../../src/main/core/tls/trust-install';
import type { TrustContext } from '../../src/main/core/tls/trust-instructions';

// "Trust the CA" as a button. Nothing here runs a command: on this machine
// only the NOT_AVAILABLE path may run (the brief's rule), and the elevated
// commands are checked as the argument lists they would be.

const ROOT = `/Users/ann/Library/Application Support/it's "switchyard"/tls/root.crt`;
const context = (platform: NodeJS.Platform, linuxFamily: TrustContext['linuxFamily'] = null): TrustContext => ({ rootCertificatePath: ROOT, platform, linuxFamily, wsl: false });
const display = { DISPLAY: process.env.DISPLAY, WAYLAND_DISPLAY: process.env.WAYLAND_DISPLAY };

describe('installing trust', () => {
  afterEach(() => {
    for (const [name, value] of Object.entries(display)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('without a shell that can prompt, answers NOT_AVAILABLE with the command to type', async () => {
    const refusal = installSystemTrust(context('linux', 'debian'), false);
    await expect(refusal).rejects.toMatchObject({ code: 'NOT_AVAILABLE', message: expect.stringContaining('sudo cp ') as string });
    await expect(refusal).rejects.toMatchObject({ message: expect.stringContaining('update-ca-certificates') as string });
    await expect(installSystemTrust(context('freebsd'), true)).rejects.toMatchObject({ code: 'NOT_AVAILABLE', message: expect.stringContaining('`switchyard cert trust`') as string });
  });

  it('asks macOS for administrator privileges with the path escaped for AppleScript and the shell', () => {
    expect(elevatedCommand('macos', ROOT)).toEqual({
      file: 'osascript',
      args: [
        '-e',
        `do shell script "security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '/Users/ann/Library/Application Support/it'\\\\''s \\"switchyard\\"/tls/root.crt'" with administrator privileges`,
      ],
    });
  });

  it('asks Windows through UAC, the path quoted for certutil inside a PowerShell string', () => {
    const windows = elevatedCommand('windows', 'C:\\Users\\Ann O\'Neil\\switchyard\\tls\\root.crt');
    expect(windows).toMatchObject({ file: 'powershell.exe' });
    expect((windows as { args: string[] }).args.at(-1)).toBe(
      `$p = Start-Process -FilePath certutil.exe -ArgumentList '-addstore','-f','ROOT','"C:\\Users\\Ann O''Neil\\switchyard\\tls\\root.crt"' -Verb RunAs -Wait -PassThru -WindowStyle Hidden; exit $p.ExitCode`,
    );
  });

  it('on Linux uses pkexec only in a desktop session, the path as an argument rather than shell text', () => {
    delete process.env.DISPLAY;
    delete process.env.WAYLAND_DISPLAY;
    expect(elevatedCommand('debian', ROOT)).toBe('there is no desktop session to show a password prompt in');
    process.env.WAYLAND_DISPLAY = 'wayland-0';
    const debian = elevatedCommand('debian', ROOT);
    if (typeof debian === 'string') expect(debian).toBe('pkexec (polkit) is not installed');
    else expect(debian).toEqual({ file: 'pkexec', args: ['sh', '-c', 'cp "$1" /usr/local/share/ca-certificates/switchyard.crt && update-ca-certificates', 'sh', ROOT] });
  });
});
