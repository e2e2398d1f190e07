// What the Judge0 server and worker share. Both must run the same image version: Judge0 names
// its work queue after the version, so a mismatched worker would never see a submission.
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import type { Judge0Limits } from './config';
import { type Endpoint } from './network';

/** amd64 only (judge0/judge0#361, #485). */
export const JUDGE0_IMAGE = 'judge0/judge0:1.13.1';
export const JUDGE0_PORT = 2358;
/** Header the callers (Colyseus) send the token in, in `cluster` mode. */
export const JUDGE0_AUTH_HEADER = 'X-Auth-Token';
/**
 * Largest `memory_limit` (KB) a submission may ask for (Judge0's MAX_MEMORY_LIMIT; its own
 * default is 512000). Under per-process limits this bounds address space, not resident memory:
 * runtimes that reserve much virtual memory (JVM, Node, Go) need far more than they use. The game
 * server's language list must keep each language's `memory_limit` at or below it. The worker
 * pod's own memory limit still caps what the submissions really use.
 */
export const JUDGE0_MAX_MEMORY_LIMIT_KB = 2048000;

export interface Judge0SettingsProps {
  /** Redis, for the submission queue. */
  readonly redis: Endpoint;
  /** PostgreSQL, for submissions and languages. */
  readonly postgres: Endpoint;
  /** How isolate limits a submission. */
  readonly limits: Judge0Limits;
}

/** Judge0's configuration (it reads only environment variables), locked down. */
export function judge0Env(props: Judge0SettingsProps): k8s.EnvVar[] {
  // app/jobs/isolate_job.rb passes --cg to isolate unless both per-process limits are on; the
  // server stores these defaults on each submission, the worker applies them.
  const perProcess = String(props.limits === 'per-process');
  return [
    { name: 'RAILS_ENV', value: 'production' },
    { name: 'REDIS_HOST', value: props.redis.service },
    { name: 'REDIS_PORT', value: String(props.redis.port) },
    secretEnv('REDIS_PASSWORD'),
    { name: 'POSTGRES_HOST', value: props.postgres.service },
    { name: 'POSTGRES_PORT', value: String(props.postgres.port) },
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
    // ALLOW_ENABLE_PER_PROCESS_AND_THREAD_*_LIMIT keep their default true: false would make
    // every submission that carries these defaults fail validation.
    { name: 'ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT', value: perProcess },
    { name: 'ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT', value: perProcess },
    { name: 'MAX_MEMORY_LIMIT', value: String(JUDGE0_MAX_MEMORY_LIMIT_KB) },
  ];
}
