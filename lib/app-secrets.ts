// Secret `app-secrets` is created at deploy time from GitHub Secrets (scripts/deploy.sh); the
// manifests only name its keys, so no value can ever reach dist/.
import * as k8s from '../imports/k8s';

export const APP_SECRETS = 'app-secrets';

/** Every key of `app-secrets`: the GitHub secret names, one for one. */
export const SECRET_KEYS = [
  'REDIS_PASSWORD',
  'JUDGE0_POSTGRES_USER',
  'JUDGE0_POSTGRES_PASSWORD',
  'JUDGE0_POSTGRES_DB',
  'MONGODB_USERNAME',
  'MONGODB_PASSWORD',
  'OPENAI_API_KEY',
  'INTERNAL_SERVICE_SECRET',
  'BOT_SERVICE_SECRET',
  'COLYSEUS_RESERVATION_SECRET',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'S3_BUCKET_NAME',
  'AWS_REGION',
  'MONGODB_URI',
  'JUDGE0_API_KEY',
  // Colyseus' own MongoDB user's password (lib/mongodb-users.ts); the deploy hands it to Colyseus
  // through Secret mongodb-colyseus once MongoDB has it. Characters: A-Z a-z 0-9 . _ ~ -
  'MONGODB_COLYSEUS_PASSWORD',
] as const;
export type SecretKey = typeof SECRET_KEYS[number];

/** An environment variable `name` read from key `key` of `app-secrets`. */
export function secretEnv(name: string, key: SecretKey = name as SecretKey): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: APP_SECRETS, key } } };
}

/**
 * Keys a deploy cannot do without; the others (OpenAI, S3, the frontend's MONGODB_URI, an
 * external Judge0's JUDGE0_API_KEY) may be empty. PostgreSQL's only with Judge0 in the cluster.
 */
export function requiredSecrets(judge0InCluster: boolean): SecretKey[] {
  return [
    'REDIS_PASSWORD', 'MONGODB_USERNAME', 'MONGODB_PASSWORD', 'MONGODB_COLYSEUS_PASSWORD',
    'INTERNAL_SERVICE_SECRET', 'BOT_SERVICE_SECRET', 'COLYSEUS_RESERVATION_SECRET',
    ...(judge0InCluster ? ['JUDGE0_POSTGRES_USER', 'JUDGE0_POSTGRES_PASSWORD', 'JUDGE0_POSTGRES_DB'] as const : []),
  ];
}
