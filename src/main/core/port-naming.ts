// Which listener a port is for, and how the user of the shell that runs the
// core names another one: `switchyard serve` takes flags, the desktop app
// reads environment variables. Messages say the second ("choose another
// port with ..."); what depends on the listener (macOS's pf forward target,
// which port a refused standard one gave way to, the error's field) reads
// the first, so wording never stands in for a kind.

/** The listeners whose port the shell sets (a flag, an environment variable). */
export type ShellListener = 'http' | 'https' | 'admin';
/** `route`: a TCP, TLS or UDP route's own listener, whose port is in its URL. */
export type ListenerKind = ShellListener | 'route';

export interface PortName {
  listener: ListenerKind;
  /** How to set it, as a sentence's object: `--http-port`, `the SWITCHYARD_HTTP_PORT environment variable`. */
  setting: string;
}

export type PortNaming = Readonly<Record<ShellListener, string>>;

export const cliPortNaming: PortNaming = { http: '--http-port', https: '--https-port', admin: '--admin-port' };

export const desktopPortNaming: PortNaming = {
  http: 'the SWITCHYARD_HTTP_PORT environment variable',
  https: 'the SWITCHYARD_HTTPS_PORT environment variable',
  admin: 'the SWITCHYARD_ADMIN_PORT environment variable',
};

export const portName = (naming: PortNaming, listener: ShellListener): PortName => ({ listener, setting: naming[listener] });

/** The error field a listen failure names (ErrorPayload.field): `httpPort`, `httpsPort`, `adminPort`; none for a route's port. */
export const portField = (name: PortName): string | undefined => (name.listener === 'route' ? undefined : `${name.listener}Port`);
