import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '../../src/shared/errors';
import { originOf } from '../../src/shared/origin';
import { standardPortsProblem, wantedPorts } from '../../src/main/core/standard-ports';
import { cliPortNaming, portName } from '../../src/main/core/port-naming';

const usual = { http: 7800, https: 7443 };
const nothingNamed = { http: false, https: false };

describe('the ports the useStandardPorts setting asks for', () => {
  it('are the usual ones while it is off', () => {
    expect(wantedPorts(usual, false, nothingNamed)).toEqual(usual);
  });

  it('are 80 and 443 while it is on', () => {
    expect(wantedPorts(usual, true, nothingNamed)).toEqual({ http: 80, https: 443 });
  });

  it('leave a port named with a flag or environment variable alone, and add no HTTPS listener', () => {
    expect(wantedPorts({ http: 8080, https: 7443 }, true, { http: true, https: false })).toEqual({ http: 8080, https: 443 });
    expect(wantedPorts({ http: 7800, https: 0 }, true, { http: false, https: true })).toEqual({ http: 80, https: 0 });
    expect(wantedPorts({ http: 7800, https: undefined }, true, nothingNamed)).toEqual({ http: 80, https: undefined });
  });
});

describe('the problem when a standard port gives way', () => {
  const denied = (port: number, listener: 'http' | 'https') => ({ port, name: portName(cliPortNaming, listener), error: new SwitchyardError('PERMISSION_DENIED', `Not allowed to listen on port ${port}.`) });

  it('is none when both were taken', () => {
    expect(standardPortsProblem([], usual)).toBeUndefined();
  });

  it('names the ports, where Switchyard listens instead and the one command, for the lowest refused port', () => {
    const problem = standardPortsProblem([denied(80, 'http'), denied(443, 'https')], usual);
    expect(problem?.code).toBe('STANDARD_PORTS_REFUSED');
    expect(problem?.message).toMatch(/^Standard ports are on, but ports 80 and 443 could not be taken, so Switchyard listens on ports 7800 and 7443 instead\. Not allowed to listen on port 80\./);
    if (process.platform === 'linux') expect(problem?.fix).toBe('sudo sysctl -w net.ipv4.ip_unprivileged_port_start=80');
    expect(problem?.message + (problem?.fix ?? '')).not.toMatch(/\bsudo switchyard|run (it|Switchyard) as root\b/i);
  });

  it('has no command when another program holds the port: that is the user to stop', () => {
    const taken = { port: 443, name: portName(cliPortNaming, 'https'), error: new SwitchyardError('PORT_IN_USE', 'Port 443 on 127.0.0.1 is already in use by another program.') };
    const problem = standardPortsProblem([taken], usual);
    expect(problem?.message).toBe(
      'Standard ports are on, but port 443 could not be taken, so Switchyard listens on port 7443 instead. Port 443 on 127.0.0.1 is already in use by another program.',
    );
    expect(problem).not.toHaveProperty('fix');
  });
});

describe('a route URL', () => {
  it('has no port on the standard ports, and its port elsewhere', () => {
    expect(originOf('http', 'demo.localhost', 80)).toBe('http://demo.localhost');
    expect(originOf('https', 'demo.localhost', 443)).toBe('https://demo.localhost');
    expect(originOf('http', 'demo.localhost', 443)).toBe('http://demo.localhost:443');
    expect(originOf('https', 'demo.localhost', 7443)).toBe('https://demo.localhost:7443');
  });
});
