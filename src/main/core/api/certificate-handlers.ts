import { SocketAddress, isIP } from 'node:net';
import { maxCertificateDomains, type CertificateAuthorityInfo, type IssuedCertificate, type LeafCertificateInfo, type RouteWithoutHttps } from '../../../shared/certificates';
import type { CommandName, CommandResult, ParsedCommandInput } from '../../../shared/commands';
import { SwitchyardError } from '../../../shared/errors';
import type { Route } from '../../../shared/model';
import {
  DEFAULT_PERMITTED_DOMAINS,
  PERMITTED_IP_RANGES,
  checkSubjectName,
  checkUserDomain,
  RENEW_BEFORE_EXPIRY_MS,
  checkTrust,
  detectTrustContext,
  installSystemTrust,
  needsRenewal,
  normalizeName,
  trustInstructions,
  type Certificates,
  type DomainStore,
  type LeafCertificate,
  type LocalCa,
} from '../tls';

// The certificate commands over the core's Certificates; a command that
// changes a leaf reloads the CA so the HTTPS listener serves the change at
// its next handshake. Results are built from certificates and file paths
// only: the tls folder's index exports nothing that returns a key, and this
// file may import nothing else from it (test/unit/local-ca.test.ts enforces
// that).

type CertificateCommand = Extract<CommandName, `certificates.${string}`>;

export type CertificateHandlers = {
  [N in CertificateCommand]: (input: ParsedCommandInput<N>) => CommandResult<N> | Promise<CommandResult<N>>;
};

export interface CertificateDeps {
  /** The core's hold on the CA, opened at start. */
  certificates: () => Certificates;
  routes: () => Route[];
  /** The user's own domains as stored in the app settings. */
  domains: DomainStore;
  /** Tells every UI (and the timeline) what changed. */
  changed: (what: string) => void;
  /** The shell can show the OS's password prompt (the desktop app); a headless serve cannot. */
  canPromptForTrust: boolean;
  now: () => Date;
}

/**
 * HTTP routes whose host the CA refuses: the HTTPS listener answers them with
 * its default certificate (engine/listeners/certificate-names.ts), so the
 * view says why and what to do. The default route `*` and IP hosts need no
 * certificate of their own (the default one names the loopback addresses).
 */
function routesWithoutHttps(routes: readonly Route[], permitted: readonly string[]): RouteWithoutHttps[] {
  const out: RouteWithoutHttps[] = [];
  for (const route of routes) {
    if (route.kind !== 'http' || route.host === '*' || route.host.startsWith('[') || isIP(route.host) !== 0) continue;
    try {
      checkSubjectName(route.host, permitted, 'host');
    } catch (error) {
      if (!(error instanceof SwitchyardError)) throw error;
      out.push({ id: route.id, host: route.host, path: route.path, reason: error.message });
    }
  }
  return out;
}

/** IPv6 in its canonical text, as a certificate's SAN reads back; host names lower-case without a trailing dot. */
function canonicalName(raw: string): string {
  const name = normalizeName(raw).replace(/^\[(.*)\]$/, '$1');
  const version = isIP(name);
  return version === 0 ? name : new SocketAddress({ address: name, family: version === 4 ? 'ipv4' : 'ipv6' }).address;
}

/** A route's host as a certificate names it: an IPv6 literal without its brackets; `*` (every other host) is no certificate name. */
const routeName = (host: string) => (host === '*' ? undefined : host.replace(/^\[(.*)\]$/, '$1'));

function leafState(ca: LocalCa, leaf: LeafCertificate, now: Date): LeafCertificateInfo['state'] {
  if (leaf.notAfter.getTime() <= now.getTime()) return 'expired';
  if (!leaf.names.every((name) => ca.permits(name))) return 'not-permitted';
  return needsRenewal(leaf, now) ? 'renewal-due' : 'valid';
}

function describe(ca: LocalCa, leaf: LeafCertificate, routes: readonly Route[], now: Date): LeafCertificateInfo {
  return {
    id: leaf.id,
    names: leaf.names,
    keyType: leaf.keyType,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    renewsAt: new Date(leaf.notAfter.getTime() - RENEW_BEFORE_EXPIRY_MS).toISOString(),
    state: leafState(ca, leaf, now),
    fingerprint256: leaf.fingerprint256,
    routes: routes
      .filter((route) => leaf.names.includes(routeName(route.host) ?? ''))
      .map((route) => ({ id: route.id, host: route.host, path: route.path })),
    certificatePath: leaf.certificatePath,
    chainPath: leaf.chainPath,
    chainPem: `${leaf.certificatePem.trimEnd()}\n${ca.intermediateCertificatePem.trimEnd()}\n`,
    keyPath: leaf.keyPath,
  };
}

/** The leaf named by `names`: the one with exactly these names, else the one that has them all; ambiguity is an error that lists the ids. */
function leafNamed(leaves: readonly LeafCertificate[], rawNames: readonly string[]): LeafCertificate {
  const names = [...new Set(rawNames.map(canonicalName))];
  const having = leaves.filter((leaf) => names.every((name) => leaf.names.includes(name)));
  const exact = having.filter((leaf) => leaf.names.length === names.length);
  const [only] = exact.length === 1 ? exact : having.length === 1 ? having : [];
  if (only) return only;
  if (having.length === 0) {
    throw new SwitchyardError('CERT_NOT_FOUND', `No certificate names ${names.join(', ')}. See the certificates with \`switchyard cert list\` or in the Certificates view.`, 'names');
  }
  throw new SwitchyardError(
    'VALIDATION_FAILED',
    `${having.length} certificates name ${names.join(', ')} (${having.map((leaf) => `${leaf.id}: ${leaf.names.join(', ')}, ${leaf.keyType}`).join('; ')}): give the id of the one you mean.`,
    'names',
  );
}

function leafById(leaves: readonly LeafCertificate[], id: string): LeafCertificate {
  const leaf = leaves.find((candidate) => candidate.id === id);
  if (!leaf) throw new SwitchyardError('CERT_NOT_FOUND', `There is no certificate ${id}. See the certificates with \`switchyard cert list\` or in the Certificates view.`, 'id');
  return leaf;
}

export function createCertificateHandlers({ certificates, routes, domains, changed, canPromptForTrust, now }: CertificateDeps): CertificateHandlers {
  const ca = () => certificates().ca;

  const caInfo = async (): Promise<CertificateAuthorityInfo> => {
    const current = ca();
    return {
      subject: current.rootSubject,
      fingerprint256: current.rootFingerprint256,
      notBefore: current.rootNotBefore.toISOString(),
      notAfter: current.rootNotAfter.toISOString(),
      permittedDomains: current.permittedDomains,
      defaultDomains: [...DEFAULT_PERMITTED_DOMAINS],
      userDomains: domains.get(),
      permittedIpRanges: [...PERMITTED_IP_RANGES],
      trust: await checkTrust(current.rootCertificatePem, current.rootCertificatePath),
      rootCertificatePath: current.rootCertificatePath,
    };
  };

  const issued = (leaf: LeafCertificate): IssuedCertificate => {
    const current = ca();
    return {
      ...describe(current, leaf, routes(), now()),
      certificatePem: leaf.certificatePem,
    };
  };

  /** Re-issued first (a bad domain is refused before anything changes), then stored for the next start. */
  const changeDomains = async (edit: (before: readonly string[]) => readonly string[]): Promise<CertificateAuthorityInfo> => {
    const { before, after } = await certificates().changeDomains(edit, domains);
    const list = after.join(', ') || 'none';
    changed(
      after.join() === [...before].sort().join()
        ? `The local CA's own domains stay ${list}: nothing to re-issue`
        : `The local CA's own domains are now ${list}: intermediate certificate re-issued`,
    );
    return caInfo();
  };

  return {
    'certificates.get': async () => {
      const current = ca();
      const list = routes();
      const at = now();
      return {
        ca: await caInfo(),
        leaves: current.leaves().map((leaf) => describe(current, leaf, list, at)),
        routesWithoutHttps: routesWithoutHttps(list, current.permittedDomains),
      };
    },
    'certificates.issue': async ({ names, keyType }) => {
      const leaf = await ca().issueLeaf(names, { keyType });
      await certificates().reload();
      changed(`Certificate issued for ${leaf.names.join(', ')} (${leaf.keyType})`);
      return issued(leaf);
    },
    'certificates.regenerate': async ({ id, keyType }) => {
      const old = leafById(ca().leaves(), id);
      const leaf = await ca().issueLeaf(old.names, { keyType: keyType ?? old.keyType });
      // Another key type is another file: the old one goes, as "regenerate" replaces it.
      if (leaf.id !== old.id) ca().removeLeaf(old.id);
      await certificates().reload();
      changed(`Certificate re-issued for ${leaf.names.join(', ')} (${leaf.keyType})`);
      return issued(leaf);
    },
    'certificates.remove': async (input) => {
      const leaves = ca().leaves();
      const target = input.id !== undefined ? leafById(leaves, input.id) : leafNamed(leaves, input.names ?? []);
      const removed = describe(ca(), ca().removeLeaf(target.id), routes(), now());
      await certificates().reload();
      changed(`Certificate removed for ${removed.names.join(', ')} (${removed.keyType})`);
      return { removed };
    },
    'certificates.exportCa': () => {
      const current = ca();
      return { certificatePem: current.rootCertificatePem, fingerprint256: current.rootFingerprint256, path: current.rootCertificatePath };
    },
    // The whole list (the API's edit-everything form); the CLI and the view add or remove one, so two changes at once both stay.
    'certificates.setDomains': async ({ domains: raw }) => changeDomains(() => raw),
    'certificates.addDomain': async ({ domain: raw }) => {
      const domain = checkUserDomain(raw, 'domain');
      return changeDomains((before) => {
        if (before.includes(domain)) return before;
        if (before.length >= maxCertificateDomains) {
          throw new SwitchyardError('VALIDATION_FAILED', `You have ${before.length} domains of your own, the most there can be: remove one first.`, 'domain');
        }
        return [...before, domain];
      });
    },
    'certificates.removeDomain': async ({ domain: raw }) => {
      const domain = normalizeName(raw);
      return changeDomains((before) => {
        if (!before.includes(domain)) {
          throw new SwitchyardError(
            'VALIDATION_FAILED',
            `${raw} is not one of your domains (${before.join(', ') || 'you have none'}): see them with \`switchyard cert domains\` or in the Certificates view.`,
            'domain',
          );
        }
        return before.filter((own) => own !== domain);
      });
    },
    'certificates.trust': () => trustInstructions(detectTrustContext(ca().rootCertificatePath)),
    'certificates.installTrust': async () => {
      const current = ca();
      const command = await installSystemTrust(detectTrustContext(current.rootCertificatePath), canPromptForTrust);
      const trust = await checkTrust(current.rootCertificatePem, current.rootCertificatePath);
      changed('The local CA root was added to the system trust store');
      return { command, trust };
    },
  };
}
