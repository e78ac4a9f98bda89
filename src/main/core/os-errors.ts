import { SwitchyardError } from '../../shared/errors';
import { portField, type PortName } from './port-naming';
import { privilegedPortError } from './privileged-ports';

/** Maps an errno from listen() to a typed error that says what to do. */
export function listenError(error: NodeJS.ErrnoException, address: string, port: number, name: PortName): SwitchyardError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new SwitchyardError(
        'PORT_IN_USE',
        `Port ${port} on ${address} is already in use by another program. Stop that program, or choose another port with ${name.setting}.`,
        portField(name),
      );
    case 'EACCES':
    case 'EPERM':
      return privilegedPortError(port, name);
    case 'EADDRNOTAVAIL':
      return new SwitchyardError(
        'ADDRESS_UNAVAILABLE',
        `The address ${address} does not belong to this machine, so Switchyard cannot listen on it.`,
      );
    // No errno at all: as unexpected as an unknown one.
    case undefined:
    default:
      return new SwitchyardError('INTERNAL', `Cannot listen on ${address}:${port}: ${error.message}.`);
  }
}
