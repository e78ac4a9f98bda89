import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CertificatesOverview, IssuedCertificate, TrustGuide, TrustInstructions } from '../../shared/certificates';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import { table } from './cli-format';

// `switchyard cert ...`: the certificate commands for a terminal. What it
// prints about keys is where they are; the admin API never sends one.

export const certUsage = `  cert list [--json]                       the local CA (fingerprint, domains, whether this system trusts it) and its certificates
  cert issue NAME... [--rsa] [--json]      a certificate for host names, *.wildcards and loopback IPs; prints its file paths
  cert remove NAME... | --id ID            delete a certificate and its files (a route's is issued anew at its next connection)
  cert export-ca [--out FILE]              the root certificate as PEM (never a key), to stdout or FILE
  cert trust                               how to trust the root: this system first, then the others and each client
  cert domains [add|remove DOMAIN...]      your own domains the CA may certify (re-issues the intermediate)`;

type Call = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>;

export interface CertValues {
  json?: boolean;
  rsa?: boolean;
  out?: string;
  id?: string;
}

export interface CertIo {
  out: (text: string) => void;
}

/** The root's file name when `export-ca --out` writes it: readable by everyone, it is public. */
const EXPORTED_ROOT_MODE = 0o644;
const day = (iso: string) => iso.slice(0, 'YYYY-MM-DD'.length);

function formatOverview({ ca, leaves }: CertificatesOverview): string {
  const trusted = { trusted: 'yes', 'not-trusted': 'no', unknown: 'unknown' }[ca.trust.state];
  const head = table([
    ['Local CA', ca.subject],
    ['  SHA-256', ca.fingerprint256],
    ['  expires', day(ca.notAfter)],
    ['  names', `${ca.permittedDomains.join(', ')} and their subdomains; ${ca.permittedIpRanges.join(', ')}`],
    ['  trusted', `${trusted}: ${ca.trust.detail}${ca.trust.state === 'trusted' ? '' : ' (`switchyard cert trust` says how)'}`],
    ['  root', ca.rootCertificatePath],
  ]);
  if (leaves.length === 0) return `${head}\n\nNo certificates yet. Issue one: switchyard cert issue app.localhost`;
  const rows = [['NAMES', 'KEY', 'EXPIRES', 'STATE', 'ROUTES', 'ID']];
  for (const leaf of leaves) {
    rows.push([leaf.names.join(', '), leaf.keyType, day(leaf.notAfter), leaf.state, leaf.routes.map((route) => route.host).join(', ') || '-', leaf.id]);
  }
  const folder = dirname(leaves[0]!.keyPath);
  return `${head}\n\n${table(rows)}\n\nFiles are in ${folder}: <id>.chain.pem (certificate + intermediate), <id>.key (private key, 0600), <id>.crt (certificate alone).`;
}

function formatIssued(leaf: IssuedCertificate): string {
  return [
    `Issued a certificate for ${leaf.names.join(', ')} (${leaf.keyType}), valid until ${day(leaf.notAfter)}.`,
    table([
      ['  certificate + chain', `${leaf.chainPath}   (nginx ssl_certificate, Node tls "cert")`],
      ['  private key', `${leaf.keyPath}   (0600: your dev server reads it from there)`],
      ['  certificate alone', leaf.certificatePath],
    ]),
    'Clients must trust the root CA: `switchyard cert trust` says how.',
  ].join('\n');
}

const indent = (text: string, spaces: number) => text.replace(/^/gm, ' '.repeat(spaces));

function formatGuide(guide: TrustGuide<string>): string {
  const steps = guide.steps.map((step) => `${indent(step.text, 2)}${step.command === undefined ? '' : `\n${indent(step.command, 4)}`}`);
  return `${guide.title}\n${steps.join('\n')}`;
}

/** This system's guide first (what the Certificates view shows on top), then the others, then the clients. */
export function formatTrust(trust: TrustInstructions, state: string): string {
  const current = trust.systems.find((guide) => guide.id === trust.current);
  const systems = trust.systems.filter((guide) => guide !== current);
  return [
    `The root certificate: ${trust.rootCertificatePath}`,
    `This system: ${state}`,
    ...(current ? [`\n${formatGuide(current)}`] : []),
    `\n${current ? 'Other systems' : 'Systems'}\n`,
    systems.map((guide) => indent(formatGuide(guide), 2)).join('\n\n'),
    `\nClients with their own trust store\n`,
    trust.clients.map((guide) => indent(formatGuide(guide), 2)).join('\n\n'),
  ].join('\n');
}

/** Runs `cert ACTION ...`; `usage` builds the error for a wrong shape (exit 2). */
export async function certCommand(action: string | undefined, rest: string[], values: CertValues, call: Call, io: CertIo, usage: (shape: string) => Error): Promise<number> {
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));
  switch (action) {
    case 'list': {
      if (rest.length) throw usage('cert list [--json]');
      const overview = await call('certificates.get', {});
      if (values.json) json(overview);
      else io.out(formatOverview(overview));
      return 0;
    }
    case 'issue': {
      if (rest.length === 0) throw usage('cert issue NAME... [--rsa] [--json]');
      const leaf = await call('certificates.issue', { names: rest, keyType: values.rsa ? 'rsa-2048' : 'ecdsa-p256' });
      if (values.json) json(leaf);
      else io.out(formatIssued(leaf));
      return 0;
    }
    case 'remove': {
      if ((rest.length === 0) === (values.id === undefined)) throw usage('cert remove NAME... | cert remove --id ID');
      const { removed } = await call('certificates.remove', values.id === undefined ? { names: rest } : { id: values.id });
      io.out(`Removed the certificate for ${removed.names.join(', ')} (${removed.keyType}) and its key.`);
      return 0;
    }
    case 'export-ca': {
      if (rest.length) throw usage('cert export-ca [--out FILE]');
      const root = await call('certificates.exportCa', {});
      if (values.out === undefined) io.out(root.certificatePem.trimEnd());
      else {
        writeFileSync(values.out, root.certificatePem, { mode: EXPORTED_ROOT_MODE });
        io.out(`Wrote the root certificate (SHA-256 ${root.fingerprint256}) to ${values.out}.`);
      }
      return 0;
    }
    case 'trust': {
      if (rest.length) throw usage('cert trust');
      const [trust, overview] = await Promise.all([call('certificates.trust', {}), call('certificates.get', {})]);
      io.out(formatTrust(trust, `${{ trusted: 'trusts the root', 'not-trusted': 'does not trust the root yet', unknown: 'not checked' }[overview.ca.trust.state]} (${overview.ca.trust.detail})`));
      return 0;
    }
    case 'domains': {
      const [change, ...domains] = rest;
      if (change === undefined) {
        const { ca } = await call('certificates.get', {});
        io.out(ca.userDomains.length ? ca.userDomains.join('\n') : 'No domains of your own: the CA certifies localhost, .test, .internal, .home.arpa and loopback IPs.');
        return 0;
      }
      const [first, ...more] = domains;
      if ((change !== 'add' && change !== 'remove') || first === undefined) throw usage('cert domains [add|remove DOMAIN...]');
      // One domain at a time, changed in the core's list as it is then (not a list read here and written back, which
      // would drop a domain another `cert domains` or the Certificates view added meanwhile). Each re-issues the intermediate.
      const command = change === 'add' ? 'certificates.addDomain' : 'certificates.removeDomain';
      let updated = await call(command, { domain: first });
      for (const domain of more) updated = await call(command, { domain });
      io.out(`The CA now certifies ${updated.permittedDomains.join(', ')} and their subdomains (intermediate re-issued; the root stays trusted).`);
      return 0;
    }
    case undefined:
    default:
      throw usage('cert list|issue|remove|export-ca|trust|domains');
  }
}
