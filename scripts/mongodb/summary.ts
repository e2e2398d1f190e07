// The MongoDB part of the deploy's job summary: public facts only (the CA certificate is public:
// a frontend needs it to verify the server). Passwords, keys and URIs never reach it.
import { X509Certificate } from 'crypto';
import { MongoDbTlsMode } from '../../lib/mongodb-tls';
import { MONGODB_NODE_PORT } from '../../lib/mongodb-store';
import { APP_DATABASE } from '../../lib/mongodb-users';
import { CertificateReport, namesOf } from './certificates';

export interface MongoSummaryInput {
  readonly mode: MongoDbTlsMode;
  readonly publicAddress: string;
  readonly allowedCidrs: readonly string[];
  /** From ensureCertificates; absent with TLS off. */
  readonly certificates?: CertificateReport;
  /** Notes and warnings of the user steps (they hold no value). */
  readonly notes?: readonly string[];
  readonly warnings?: readonly string[];
}

/** Markdown for $GITHUB_STEP_SUMMARY. */
export function mongodbSummary(input: MongoSummaryInput): string {
  const lines = ['### MongoDB', ''];
  const host = input.publicAddress || '<K8S_PUBLIC_ADDRESS>';
  lines.push(`- Exposed on \`${host}:${MONGODB_NODE_PORT}\` to ${input.allowedCidrs.join(', ')} (K8S_MONGODB_ALLOWED_CIDRS), TLS: **${input.mode}**.`);
  const cert = input.certificates;
  if (cert) {
    const server = new X509Certificate(cert.serverCertPem);
    const ca = new X509Certificate(cert.caPem);
    const names = namesOf(server);
    lines.push(`- Server certificate: ${cert.serverIssued ? `issued this run (${cert.serverIssued})` : 'unchanged'}; valid until ${new Date(server.validTo).toISOString().slice(0, 10)}; names ${[...names.dns, ...names.ips].join(', ')}.`);
    lines.push(`- CA: ${cert.caCreated ? '**created this run**' : 'unchanged'}; valid until ${new Date(ca.validTo).toISOString().slice(0, 10)}; SHA-256 fingerprint \`${ca.fingerprint256}\`.`);
  }
  for (const w of [...(cert?.warnings ?? []), ...(input.warnings ?? [])]) lines.push(`- :warning: ${w}`);
  for (const n of input.notes ?? []) lines.push(`- ${n}`);
  if (cert) {
    lines.push('', `Frontends connect with \`mongodb://<user>:<password>@${host}:${MONGODB_NODE_PORT}/${APP_DATABASE}?authSource=${APP_DATABASE}&tls=true\` and this CA (Node driver: \`ca\` option or \`tlsCAFile\`):`, '');
    lines.push('```', cert.caPem.trim(), '```');
  }
  return `${lines.join('\n')}\n`;
}
