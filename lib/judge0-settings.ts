// What the Judge0 server and worker share. Both must run the same image version: Judge0 names
// its work queue after the version, so a mismatched worker would never see a submission.
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import { POSTGRES_PORT } from './judge0-database';
import { REDIS_PORT } from './redis-store';

/** amd64 only (judge0/judge0#361, #485); its sandbox needs cgroup v1. */
export const JUDGE0_IMAGE = 'judge0/judge0:1.13.1';
export const JUDGE0_PORT = 2358;
/** Header the callers (Colyseus) send the token in. */
export const JUDGE0_AUTH_HEADER = 'X-Auth-Token';

/** Judge0's configuration (it reads only environment variables), locked down. */
export function judge0Env(): k8s.EnvVar[] {
  return [
    { name: 'RAILS_ENV', value: 'production' },
    { name: 'REDIS_HOST', value: 'redis' },
    { name: 'REDIS_PORT', value: String(REDIS_PORT) },
    secretEnv('REDIS_PASSWORD'),
    { name: 'POSTGRES_HOST', value: 'postgres' },
    { name: 'POSTGRES_PORT', value: String(POSTGRES_PORT) },
    secretEnv('POSTGRES_DB', 'JUDGE0_POSTGRES_DB'),
    secretEnv('POSTGRES_USER', 'JUDGE0_POSTGRES_USER'),
    secretEnv('POSTGRES_PASSWORD', 'JUDGE0_POSTGRES_PASSWORD'),
    // Without a token anyone who reaches port 2358 runs code; the callers share this secret.
    { name: 'AUTHN_HEADER', value: JUDGE0_AUTH_HEADER },
    secretEnv('AUTHN_TOKEN', 'INTERNAL_SERVICE_SECRET'),
    // Submitted code must not reach the network, nor make Judge0 call URLs of its choosing.
    { name: 'ALLOW_ENABLE_NETWORK', value: 'false' },
    { name: 'ENABLE_NETWORK', value: 'false' },
    { name: 'ENABLE_CALLBACKS', value: 'false' },
    // With wait=true the server itself would run code and need privileges; callers poll instead.
    { name: 'ENABLE_WAIT_RESULT', value: 'false' },
  ];
}
