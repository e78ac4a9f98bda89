import { describe, expect, it } from 'vitest';
import { listenError } from '../../src/main/core/os-errors';
import { cliPortNaming, desktopPortNaming, portName } from '../../src/main/core/port-naming';
import { privilegedPortAdvice, refuseUnprivilegedPort, type PortPrivileges } from '../../src/main/core/privileged-ports';

const httpFlag = portName(cliPortNaming, 'http');

const linuxUser: PortPrivileges = { platform: 'linux', uid: 1000, unprivilegedPortStart: 1024, canBindAnyPort: false };

describe('ports 80 and 443 for an ordinary user', () => {
  it('on Linux, refuses a port below ip_unprivileged_port_start before trying, with the sysctl line and the file that keeps it', () => {
    expect(() => refuseUnprivilegedPort(80, httpFlag, linuxUser)).toThrow(
      'Not allowed to listen on port 80. Linux lets ordinary users listen only on ports from 1024 up (net.ipv4.ip_unprivileged_port_start), so port 80 is refused. Allow it with: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80 ; keep it after a reboot with: echo \'net.ipv4.ip_unprivileged_port_start=80\' | sudo tee /etc/sysctl.d/50-switchyard.conf . Or choose a port from 1024 up with --http-port. Do not run Switchyard as root.',
    );
  });

  it('lets the bind answer where the system allows it: the limit lowered, root, CAP_NET_BIND_SERVICE, port 0, other OSes', () => {
    for (const privileges of [
      { ...linuxUser, unprivilegedPortStart: 80 },
      { ...linuxUser, uid: 0 },
      { ...linuxUser, canBindAnyPort: true },
      { ...linuxUser, unprivilegedPortStart: undefined },
      { ...linuxUser, platform: 'darwin' as const },
      { ...linuxUser, platform: 'win32' as const },
    ]) {
      expect(() => refuseUnprivilegedPort(80, httpFlag, privileges)).not.toThrow();
    }
    expect(() => refuseUnprivilegedPort(0, httpFlag, linuxUser)).not.toThrow();
    expect(() => refuseUnprivilegedPort(1024, httpFlag, linuxUser)).not.toThrow();
  });

  it('words a refused bind (EACCES, EPERM) the same way, with the fix for this OS', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const error = listenError(Object.assign(new Error(`listen ${code}`), { code }), '127.0.0.1', 80, httpFlag);
      expect(error.code).toBe('PERMISSION_DENIED');
      expect(error.message).toMatch(/^Not allowed to listen on port 80\. (Linux|macOS|Windows) .* Do not run Switchyard as root\.$/);
    }
  });

  it('gives macOS and Windows their own one-line fix', () => {
    expect(privilegedPortAdvice(443, portName(cliPortNaming, 'https'), { platform: 'darwin', unprivilegedPortStart: undefined })).toContain(
      'echo "rdr pass on lo0 inet proto tcp from any to 127.0.0.1 port 443 -> 127.0.0.1 port 7443" | sudo pfctl -ef -',
    );
    expect(privilegedPortAdvice(80, httpFlag, { platform: 'win32', unprivilegedPortStart: undefined })).toContain('netsh interface ipv4 show excludedportrange protocol=tcp');
  });

  it('says how the shell sets the port, and keeps the fix the listener needs, in the desktop app too', () => {
    const https = portName(desktopPortNaming, 'https');
    const advice = privilegedPortAdvice(443, https, { platform: 'darwin', unprivilegedPortStart: undefined });
    expect(advice).toContain('127.0.0.1 port 7443" | sudo pfctl -ef -');
    expect(advice).toContain('Or choose a port from 1024 up with the SWITCHYARD_HTTPS_PORT environment variable.');
    expect(advice).not.toContain('--https-port');
    const taken = listenError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), '127.0.0.1', 7801, portName(desktopPortNaming, 'admin'));
    expect(taken.toPayload()).toEqual({
      code: 'PORT_IN_USE',
      message: 'Port 7801 on 127.0.0.1 is already in use by another program. Stop that program, or choose another port with the SWITCHYARD_ADMIN_PORT environment variable.',
      field: 'adminPort',
    });
  });
});
