// Random secrets for one e2e run, made in the job and never printed: each value is announced
// to GitHub as a mask (`::add-mask::`, docs: "Masking a value in a log") before it is written
// to $GITHUB_ENV, so later steps and the deploy see them as ordinary secrets.
//
//   node -r tsx/cjs scripts/e2e/secrets.ts            (GitHub Actions: needs GITHUB_ENV)
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { SECRET_KEYS, SecretKey } from '../../lib/app-secrets';
import { MONGODB_NODE_PORT } from '../../lib/mongodb-store';
import { APP_DATABASE } from '../../lib/mongodb-users';

/**
 * A value for every key of app-secrets the deploy needs; the optional ones (OpenAI, S3) stay
 * unset. MONGODB_URI is a frontend's login through NodePort 32017 on this runner, so the deploy
 * creates that user and the job checks what it can reach (scripts/mongodb/checks.ts). Names are
 * identifiers (PostgreSQL and MongoDB accept them unquoted), passwords 32 random bytes in hex (no
 * character any URL or shell must escape).
 */
export function generatedSecrets(random: (bytes: number) => string = n => randomBytes(n).toString('hex')): Partial<Record<SecretKey, string>> {
  const optional: SecretKey[] = ['OPENAI_API_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'S3_BUCKET_NAME', 'AWS_REGION'];
  const names: Partial<Record<SecretKey, string>> = {
    JUDGE0_POSTGRES_USER: `judge0_${random(4)}`,
    JUDGE0_POSTGRES_DB: 'judge0',
    MONGODB_USERNAME: `e2e_${random(4)}`,
    // 127.0.0.1 is named in MongoDB's server certificate (scripts/mongodb/certificates.ts).
    MONGODB_URI: `mongodb://frontend_${random(4)}:${random(32)}@127.0.0.1:${MONGODB_NODE_PORT}/${APP_DATABASE}?authSource=${APP_DATABASE}&tls=true`,
  };
  return Object.fromEntries(SECRET_KEYS
    .filter(k => !optional.includes(k))
    .map(k => [k, names[k] ?? random(32)]));
}

/** Workflow commands: the masks first, then the lines for $GITHUB_ENV. */
export function githubEnvLines(secrets: Partial<Record<string, string>>): { masks: string[]; env: string[] } {
  const entries = Object.entries(secrets).filter((e): e is [string, string] => !!e[1]);
  return {
    masks: entries.map(([, v]) => `::add-mask::${v}`),
    env: entries.map(([k, v]) => `${k}=${v}`),
  };
}

if (require.main === module) {
  const file = process.env.GITHUB_ENV;
  if (!file) {
    console.error('error: GITHUB_ENV is not set; accepted: run inside GitHub Actions (it names the file the values go to)');
    process.exit(2);
  }
  const { masks, env } = githubEnvLines(generatedSecrets());
  console.log(masks.join('\n'));
  fs.appendFileSync(file, `${env.join('\n')}\n`);
  console.log(`Generated ${env.length} secrets (masked): ${env.map(l => l.split('=')[0]).join(', ')}`);
}
