import type { TrustClient, TrustGuide, TrustInstructions, TrustStep, TrustSystem } from '../../../shared/certificates';

// How to make each system and client trust the local root, with the root's
// path filled in: the same data for the Certificates view and `switchyard
// cert trust`. Pure: what machine this is comes in as `TrustContext`.
// Commands are the ones mkcert runs (truststore_darwin.go, truststore_linux.go,
// truststore_windows.go, truststore_nss.go, truststore_java.go).

export type LinuxFamily = 'debian' | 'fedora';

export interface TrustContext {
  rootCertificatePath: string;
  platform: NodeJS.Platform;
  /** From /etc/os-release on Linux; null when neither family. */
  linuxFamily: LinuxFamily | null;
  wsl: boolean;
}

/** The name trust stores show; NSS needs one to list and delete it by. */
export const TRUST_NICKNAME = 'Switchyard Local CA';
/** Where update-ca-certificates picks up a local root (it reads only *.crt there). */
export const DEBIAN_ANCHOR = '/usr/local/share/ca-certificates/switchyard.crt';
const DEBIAN_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const FEDORA_BUNDLE = '/etc/pki/tls/certs/ca-bundle.crt';
const MACOS_SYSTEM_KEYCHAIN = '/Library/Keychains/System.keychain';
const EXAMPLE_URL = 'https://app.localhost:7443/';

const SAFE_POSIX_WORD = /^[A-Za-z0-9_./:@%+=,-]+$/;

/** A word for sh: as is when nothing in it is special, else single-quoted. */
export const shellWord = (word: string) => (SAFE_POSIX_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
/** A word for cmd.exe and PowerShell: double-quoted when it holds a space. */
const windowsWord = (word: string) => (/[\s&()^]/.test(word) ? `"${word}"` : word);

const step = (text: string, command?: string): TrustStep => (command === undefined ? { text } : { text, command });

export function currentSystem(platform: NodeJS.Platform, linuxFamily: LinuxFamily | null): TrustSystem | null {
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  return platform === 'linux' ? linuxFamily : null;
}

/** The commands the system trust store takes for `root` (a quoted path), as `certificates.installTrust` runs them. */
export function systemTrustCommand(system: TrustSystem, rootPath: string): string {
  const root = system === 'windows' ? windowsWord(rootPath) : shellWord(rootPath);
  switch (system) {
    case 'macos':
      return `sudo security add-trusted-cert -d -r trustRoot -k ${MACOS_SYSTEM_KEYCHAIN} ${root}`;
    case 'debian':
      return `sudo cp ${root} ${DEBIAN_ANCHOR} && sudo update-ca-certificates`;
    case 'fedora':
      return `sudo trust anchor --store ${root}`;
    case 'windows':
      return `certutil -addstore -f ROOT ${root}`;
  }
}

function systemGuides(rootPath: string): TrustGuide<TrustSystem>[] {
  const root = shellWord(rootPath);
  return [
    {
      id: 'macos',
      title: 'macOS',
      steps: [
        step('Add the root to the System keychain, trusted for TLS (asks for your password). Safari, Chrome, Edge and curl use it.', systemTrustCommand('macos', rootPath)),
        step('To undo:', `sudo security remove-trusted-cert -d ${root}`),
      ],
    },
    {
      id: 'debian',
      title: 'Debian, Ubuntu',
      steps: [
        step('Add the root to the system store (curl, wget, OpenSSL, Python, Go and git use it; Firefox and Chrome do not, see below).', systemTrustCommand('debian', rootPath)),
        step('To undo:', `sudo rm ${DEBIAN_ANCHOR} && sudo update-ca-certificates --fresh`),
      ],
    },
    {
      id: 'fedora',
      title: 'Fedora, RHEL, CentOS, Arch (p11-kit)',
      steps: [
        step('Add the root as a trust anchor; p11-kit updates the system bundles (curl, OpenSSL, Python, Go, and Firefox through p11-kit-trust).', systemTrustCommand('fedora', rootPath)),
        step('To undo:', `sudo trust anchor --remove ${root}`),
      ],
    },
    {
      id: 'windows',
      title: 'Windows',
      steps: [
        step('In an administrator Command Prompt or PowerShell, add the root to the machine\'s Trusted Root store (Chrome, Edge and curl use it).', systemTrustCommand('windows', rootPath)),
        step('Without administrator rights, for your account only (Windows asks you to confirm):', `certutil -user -addstore Root ${windowsWord(rootPath)}`),
        step(`To undo: certmgr.msc → Trusted Root Certification Authorities → Certificates → "${TRUST_NICKNAME} — …" → Delete.`),
      ],
    },
  ];
}

/** `export NAME=value` for sh, `$env:NAME = "value"` for PowerShell. */
const setEnv = (windows: boolean, name: string, value: string) => (windows ? `$env:${name} = "${value}"` : `export ${name}=${shellWord(value)}`);

function clientGuides({ rootCertificatePath: rootPath, platform, linuxFamily }: TrustContext): TrustGuide<TrustClient>[] {
  const windows = platform === 'win32';
  const root = windows ? windowsWord(rootPath) : shellWord(rootPath);
  const profile = { darwin: '"$HOME/Library/Application Support/Firefox/Profiles/<profile>"', win32: '"%APPDATA%\\Mozilla\\Firefox\\Profiles\\<profile>"' }[platform as string] ?? '$HOME/.mozilla/firefox/<profile>';
  const nss = (db: string) => `certutil -d sql:${db} -A -t C,, -n "${TRUST_NICKNAME}" -i ${root}`;
  const systemBundle = linuxFamily === 'fedora' ? FEDORA_BUNDLE : linuxFamily === 'debian' ? DEBIAN_BUNDLE : undefined;
  const pythonBundle = platform === 'linux' && systemBundle !== undefined ? systemBundle : rootPath;
  return [
    {
      id: 'firefox',
      title: 'Firefox',
      steps: [
        step('Firefox keeps its own store (NSS) in each profile. On Windows and macOS it can read the system store instead: open about:config and set security.enterprise_roots.enabled to true.'),
        step(
          'Or add the root to a profile with NSS certutil (Debian/Ubuntu: libnss3-tools, Fedora: nss-tools, macOS: brew install nss), Firefox closed; about:profiles shows the profile folder (the snap Firefox keeps it in ~/snap/firefox/common/.mozilla/firefox):',
          nss(profile),
        ),
      ],
    },
    {
      id: 'chrome-linux',
      title: 'Chrome and Chromium on Linux',
      steps: [step('They read roots you add from the NSS database in your home, not the system bundle; restart the browser after:', nss('$HOME/.pki/nssdb'))],
    },
    {
      id: 'node',
      title: 'Node.js',
      steps: [step("Node has its own copy of Mozilla's roots; NODE_EXTRA_CA_CERTS adds the root to it. It is read once, when the process starts:", setEnv(windows, 'NODE_EXTRA_CA_CERTS', rootPath))],
    },
    {
      id: 'python',
      title: 'Python (requests, httpx, urllib)',
      steps: [
        step(
          `requests reads certifi's bundle (REQUESTS_CA_BUNDLE replaces it); the ssl module, urllib and httpx read SSL_CERT_FILE. Both REPLACE the default roots: point them at the system bundle once the root is in it, or at root.crt only for programs that talk to local names alone.${systemBundle ? '' : ' (pip install truststore makes Python 3.10+ use the system store.)'}`,
          windows ? `${setEnv(true, 'REQUESTS_CA_BUNDLE', pythonBundle)}; ${setEnv(true, 'SSL_CERT_FILE', pythonBundle)}` : `export REQUESTS_CA_BUNDLE=${shellWord(pythonBundle)} SSL_CERT_FILE=${shellWord(pythonBundle)}`,
        ),
      ],
    },
    {
      id: 'curl',
      title: 'curl',
      steps: [step('curl reads the system store once the root is in it; for one request, or before that:', `curl --cacert ${root} ${EXAMPLE_URL}`)],
    },
    {
      id: 'java',
      title: 'Java (JDK 9 and later)',
      steps: [step("Import the root into the JDK's cacerts (the store password is changeit unless changed; the JDK's folder may need sudo or an administrator):", `keytool -importcert -cacerts -alias switchyard -file ${root}`)],
    },
    {
      id: 'docker',
      title: 'Docker containers',
      steps: [
        step(
          'A container has its own trust store. In a Debian or Ubuntu image (Alpine: apk add ca-certificates first), mount the root where update-ca-certificates looks and run it before your program:',
          `docker run -v ${root}:${DEBIAN_ANCHOR}:ro IMAGE sh -c 'update-ca-certificates && exec YOUR-COMMAND'`,
        ),
        step(`Or build it in: copy root.crt next to the Dockerfile, then COPY root.crt ${DEBIAN_ANCHOR} and RUN update-ca-certificates. Node images also need NODE_EXTRA_CA_CERTS=${DEBIAN_ANCHOR}.`),
        step('Inside a container localhost is the container itself: name this machine host.docker.internal (.internal is one of the CA\'s domains, so give it a route); on Linux --network host reaches the proxy on 127.0.0.1.'),
      ],
    },
    {
      id: 'wsl',
      title: 'WSL (Windows Subsystem for Linux)',
      steps: windows
        ? [
            step('Windows and each WSL distribution keep separate stores: Windows browsers use the Windows store (above); Linux tools inside WSL need the root in the distribution\'s store too:', `wsl -u root sh -c "cp \\"$(wslpath '${rootPath}')\\" ${DEBIAN_ANCHOR} && update-ca-certificates"`),
          ]
        : [
            step('Windows and WSL keep separate stores. Browsers on Windows use the Windows store: from WSL, add the root for your Windows account (Windows asks you to confirm):', `certutil.exe -user -addstore Root "$(wslpath -w ${root})"`),
            step('Tools inside WSL (curl, Node, Python) use the Linux store: the Debian/Ubuntu command above.'),
          ],
    },
  ];
}

export function trustInstructions(context: TrustContext): TrustInstructions {
  const current = currentSystem(context.platform, context.linuxFamily);
  const systems = systemGuides(context.rootCertificatePath);
  return {
    current,
    wsl: context.wsl,
    rootCertificatePath: context.rootCertificatePath,
    // The current system first, the others in their usual order after it.
    systems: [...systems.filter((guide) => guide.id === current), ...systems.filter((guide) => guide.id !== current)],
    clients: clientGuides(context),
  };
}
