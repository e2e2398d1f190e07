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

type Random = (bytes: number) => string;
const hex: Random = n => randomBytes(n).toString('hex');

/**
 * The frontend's MONGODB_URI as a frontend on the node reaches MongoDB: NodePort 32017, TLS
 * (127.0.0.1 is named in MongoDB's server certificate: scripts/mongodb/certificates.ts).
 */
export function frontendMongoUri(user: string, password: string, host = '127.0.0.1'): string {
  return `mongodb://${user}:${password}@${host}:${MONGODB_NODE_PORT}/${APP_DATABASE}?authSource=${APP_DATABASE}&tls=true`;
}

/** The user a frontend URI names, or undefined. */
export function frontendUserOf(uri: string | undefined): string | undefined {
  const match = uri ? /^mongodb:\/\/([^:@/]+):/.exec(uri) : null;
  return match?.[1];
}

/**
 * A value for every key of app-secrets the deploy needs, plus the frontend's MONGODB_URI (a
 * user of its own, so the MongoDB checks can log in as the frontend does); the other optional
 * ones (OpenAI, S3) stay unset. Names are identifiers (PostgreSQL and MongoDB accept them
 * unquoted), passwords 32 random bytes in hex (no character any URL or shell must escape; also
 * within MONGODB_COLYSEUS_PASSWORD's A-Z a-z 0-9 . _ ~ -, which every key of SECRET_KEYS gets).
 */
export function generatedSecrets(random: Random = hex): Partial<Record<SecretKey, string>> {
  const optional: SecretKey[] = ['OPENAI_API_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'S3_BUCKET_NAME', 'AWS_REGION'];
  const names: Partial<Record<SecretKey, string>> = {
    JUDGE0_POSTGRES_USER: `judge0_${random(4)}`,
    JUDGE0_POSTGRES_DB: 'judge0',
    MONGODB_USERNAME: `e2e_${random(4)}`,
    MONGODB_URI: frontendMongoUri(`frontend_${random(4)}`, random(32)),
  };
  return Object.fromEntries(SECRET_KEYS
    .filter(k => !optional.includes(k))
    .map(k => [k, names[k] ?? random(32)]));
}

/**
 * MongoDB's three passwords rotated as generatedSecrets makes them: root (MONGODB_PASSWORD),
 * Colyseus' user (MONGODB_COLYSEUS_PASSWORD) and the frontend's (MONGODB_URI: same user and
 * address, new password). Every other key, the user names included, stays as it is.
 */
export function rotatedMongoSecrets(env: Readonly<Record<string, string | undefined>>, random: Random = hex): Record<string, string> {
  const frontendUser = frontendUserOf(env.MONGODB_URI);
  if (!frontendUser) throw new Error('MONGODB_URI names no frontend user; accepted: the URI scripts/e2e/secrets.ts makes (mongodb://<user>:<password>@127.0.0.1:32017/...)');
  const host = /@([^:/]+):/.exec(env.MONGODB_URI!)?.[1];
  return {
    MONGODB_PASSWORD: random(32),
    MONGODB_COLYSEUS_PASSWORD: random(32),
    MONGODB_URI: frontendMongoUri(frontendUser, random(32), host),
  };
}

/** The password inside a connection string (masked on its own too: a log line may hold it without the URI). */
export function passwordInUri(value: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/[^:@/]+:([^@/]+)@/i.exec(value)?.[1];
}

/** Workflow commands: the masks first (a URI's password on its own too), then the lines for $GITHUB_ENV. */
export function githubEnvLines(secrets: Partial<Record<string, string>>): { masks: string[]; env: string[] } {
  const entries = Object.entries(secrets).filter((e): e is [string, string] => !!e[1]);
  return {
    masks: entries.flatMap(([, v]) => [v, passwordInUri(v)]).filter((v): v is string => !!v).map(v => `::add-mask::${v}`),
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
