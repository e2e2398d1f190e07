// (a2) After the first install: MongoDB's public port (NodePort 32017 on the node) as the
// frontend meets it. The checks themselves are scripts/mongodb/checks.ts (TLS with the CA works,
// TLS without it is not trusted, a plain connection is refused before any login, the frontend
// user reads and writes only its database), run as a subprocess as a user runs it: its exit
// code and its output lines are its interface.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NAMESPACE } from '../../../lib/labels';
import { CA_CERT_KEY, MONGODB_CA_SECRET } from '../../../lib/mongodb-tls';
import { E2eContext, Scenario } from '../context';
import { exec } from '../kube';

/** The checks' entry point. */
const MONGODB_CHECKS_CLI = path.resolve(__dirname, '../../mongodb/checks.ts');

/** What the checks' output says went wrong: its FAIL lines (they name checks, never values), or its last line. */
export function checksFailure(code: number, output: string): string | undefined {
  if (code === 0) return undefined;
  const lines = output.split('\n').map(l => l.trim()).filter(Boolean);
  const failed = lines.filter(l => l.startsWith('FAIL'));
  return `scripts/mongodb/checks.ts exited ${code}: ${(failed.length ? failed : lines.slice(-1)).join('; ') || 'no output'}`;
}

/**
 * Runs the checks as the frontend (`frontendUri`) with the cluster's CA; throws naming every
 * failed check. `cli`: the checks' entry point (tests point it elsewhere).
 */
export async function runMongodbChecks(ctx: Pick<E2eContext, 'kube' | 'root' | 'env'>, frontendUri: string, cli = MONGODB_CHECKS_CLI): Promise<string> {
  const secret = await ctx.kube.json(['get', 'secret', MONGODB_CA_SECRET, '-n', NAMESPACE]);
  // Only the certificate is used; the CA's key, in the same Secret, goes nowhere.
  const ca = secret.data?.[CA_CERT_KEY];
  if (!ca) throw new Error(`Secret ${MONGODB_CA_SECRET} has no ${CA_CERT_KEY}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-mongodb-ca-'));
  const caFile = path.join(dir, CA_CERT_KEY);
  try {
    fs.writeFileSync(caFile, Buffer.from(ca, 'base64'), { mode: 0o600 });
    const r = await exec(process.execPath, ['-r', 'tsx/cjs', cli], {
      cwd: ctx.root,
      env: { ...process.env, MONGODB_URI: frontendUri, MONGODB_CA_FILE: caFile, K8S_MONGODB_TLS: ctx.env.K8S_MONGODB_TLS || 'require' },
      timeoutMs: 120_000,
    });
    const output = r.stdout + r.stderr;
    const failure = checksFailure(r.status, output);
    if (failure) throw new Error(failure);
    return output.trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const mongodbExposure: Scenario = {
  id: 'a2',
  title: 'MongoDB on NodePort 32017 as the frontend meets it: TLS with the CA, plain refused, least privilege',
  async run(ctx) {
    ctx.log(await runMongodbChecks(ctx, ctx.env.MONGODB_URI));
  },
};
