import { join } from 'node:path';
import { SwitchyardError } from '../../shared/errors';
import { createAdminClient } from '../../shared/admin-client';
import { Core, defaultHttpPort, defaultHttpsPort } from '../core/core';
import { cliPortNaming, portName, type PortNaming } from '../core/port-naming';
import { AdminServer } from './admin-server';
import { isProcessAlive, loadOrCreateToken, newToken, readConnection, writeConnection } from './connection-file';
import { migrateFormerData, type MigrationOutcome } from './data-migration';

export const defaultAdminPort = 7801;

export interface ServeOptions {
  dataDir: string;
  httpPort?: number;
  httpsPort?: number;
  adminPort?: number;
  /** The built renderer (out/renderer). */
  rendererDir?: string;
  log?: (line: string) => void;
  /** Folders an older version kept the data in (data-dir.ts formerDataDirs): moved into dataDir on first start. */
  formerDataDirs?: readonly string[];
  /** The desktop app's better-sqlite3 build (Electron's ABI). */
  nativeBinding?: string;
  /** The desktop app can show the OS's password prompt (see CoreOptions). */
  canPromptForTrust?: boolean;
  /** How the user sets each port (the desktop app: environment variables); the CLI's flags without it. */
  portNaming?: PortNaming;
}

export interface RunningServe {
  core: Core;
  adminUrl: string;
  /** The URL to open: the token travels in the fragment, never to a server log. */
  uiUrl: string;
  token: string;
  /** Whether data was moved in from a former folder on this start. */
  migration: MigrationOutcome;
  stop(): Promise<void>;
}

async function refuseIfRunning(dataDir: string): Promise<void> {
  const existing = readConnection(dataDir);
  if (!existing || existing.pid === process.pid || !isProcessAlive(existing.pid)) return;
  const client = createAdminClient({ baseUrl: existing.adminUrl, token: existing.token });
  const answer = await client.invoke('status', {});
  if (answer.ok) {
    throw new SwitchyardError(
      'ALREADY_RUNNING',
      `Switchyard is already running for ${dataDir} (pid ${existing.pid}); its UI is at ${existing.adminUrl}/. Stop it first, or use another --data-dir.`,
    );
  }
}

export async function serve(options: ServeOptions): Promise<RunningServe> {
  await refuseIfRunning(options.dataDir);
  const migration = await migrateFormerData(options.dataDir, options.formerDataDirs ?? [], { nativeBinding: options.nativeBinding });
  const token = loadOrCreateToken(options.dataDir);
  let rotate = (): { uiUrl: string } => {
    throw new SwitchyardError('NOT_AVAILABLE', 'The admin API is still starting; try again in a moment.');
  };
  const portNaming = options.portNaming ?? cliPortNaming;
  const core = await Core.start({
    dataDir: options.dataDir,
    httpPort: options.httpPort ?? defaultHttpPort,
    httpsPort: options.httpsPort ?? defaultHttpsPort,
    // A port named with a flag (or the app's environment variable) wins over the useStandardPorts setting.
    namedPorts: { http: options.httpPort !== undefined, https: options.httpsPort !== undefined },
    log: options.log,
    rotateToken: () => rotate(),
    nativeBinding: options.nativeBinding,
    canPromptForTrust: options.canPromptForTrust,
    portNaming,
  });
  const admin = new AdminServer({
    core,
    token,
    port: options.adminPort ?? defaultAdminPort,
    portName: portName(portNaming, 'admin'),
    rendererDir: options.rendererDir ?? join(__dirname, '../renderer'),
    log: options.log,
  });
  try {
    await admin.listen();
  } catch (error) {
    await core.stop();
    throw error;
  }
  const startedAt = new Date().toISOString();
  const publish = () =>
    writeConnection(options.dataDir, {
      pid: process.pid,
      adminUrl: admin.url,
      token: admin.currentToken,
      httpPort: core.engine.listeners()[0]!.port,
      httpsPort: core.engine.listeners().find((listener) => listener.kind === 'https')?.port,
      startedAt,
    });
  try {
    publish();
  } catch (error) {
    // Without the file the CLI cannot find this serve: stop rather than run unreachable (and keep the process alive).
    await admin.close();
    await core.stop();
    throw error;
  }
  rotate = () => {
    // If the file cannot be written, the old token stays valid, so the CLI keeps working.
    const previous = admin.currentToken;
    admin.rotateToken(newToken());
    try {
      publish();
    } catch (error) {
      admin.rotateToken(previous);
      throw error;
    }
    return { uiUrl: `${admin.url}/#token=${admin.currentToken}` };
  };
  return {
    core,
    adminUrl: admin.url,
    get uiUrl() {
      return `${admin.url}/#token=${admin.currentToken}`;
    },
    get token() {
      return admin.currentToken;
    },
    migration,
    async stop() {
      await admin.close();
      await core.stop();
    },
  };
}
