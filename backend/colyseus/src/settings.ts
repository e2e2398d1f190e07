// Environment of the game server. A missing required variable stops start-up with one line.
import { DEFAULT_AUTH_HEADER } from './judge0';

export interface Settings {
  readonly port: number;
  readonly redisUrl: string;
  /** How the other replicas reach this process (the pod IP in Kubernetes). */
  readonly podIp: string;
  /** Verifies players' tokens. */
  readonly reservationSecret: string;
  /** Verifies bots' tokens. */
  readonly botSecret: string;
  /** Judge0 API base URL; unset: submissions cannot be judged. */
  readonly judge0Url?: string;
  /** Header JUDGE0_AUTH_TOKEN is sent in (X-Auth-Token for Judge0's AUTHN_TOKEN, X-RapidAPI-Key for hosted Judge0 CE). */
  readonly judge0AuthHeader: string;
  readonly judge0Token?: string;
  /** Where match results go; unset: not persisted. */
  readonly mongodbUri?: string;
  /** Longest match. */
  readonly matchSeconds: number;
  /** Most match results held in memory while MongoDB is away. */
  readonly resultsQueueLimit: number;
  /** Longest a draining process waits, after its last room closed, to write queued results. */
  readonly resultsDrainSeconds: number;
}

export class SettingsError extends Error {}

function judge0Url(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try { url = new URL(raw); } catch { /* reported below */ }
  if (!url || !/^https?:$/.test(url.protocol)) throw new SettingsError(`JUDGE0_URL=${JSON.stringify(raw)} is invalid; expected an http(s) URL such as http://judge0:2358`);
  return raw.replace(/\/+$/, '');
}

function headerName(name: string, value: string): string {
  // RFC 9110 field-name: a token
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) throw new SettingsError(`${name}=${JSON.stringify(value)} is invalid; expected an HTTP header name such as X-Auth-Token or X-RapidAPI-Key`);
  return value;
}

export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const required = (name: string, example: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new SettingsError(`${name} is not set; expected ${example}`);
    return value;
  };
  const whole = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!/^[1-9]\d*$/.test(raw)) throw new SettingsError(`${name}=${JSON.stringify(raw)} is invalid; expected a whole number >= 1`);
    return Number(raw);
  };
  const optional = (name: string) => env[name]?.trim() || undefined;
  return {
    port: whole('PORT', 2567),
    redisUrl: required('REDIS_URL', 'redis://:password@host:6379/0'),
    podIp: optional('POD_IP') ?? '127.0.0.1',
    reservationSecret: required('COLYSEUS_RESERVATION_SECRET', 'the secret that signs players\' tokens (HS256)'),
    botSecret: required('BOT_SERVICE_SECRET', 'the secret that signs bots\' tokens (HS256)'),
    judge0Url: judge0Url(optional('JUDGE0_URL')),
    judge0AuthHeader: headerName('JUDGE0_AUTH_HEADER', optional('JUDGE0_AUTH_HEADER') ?? DEFAULT_AUTH_HEADER),
    judge0Token: optional('JUDGE0_AUTH_TOKEN'),
    mongodbUri: optional('MONGODB_URI'),
    matchSeconds: whole('MATCH_SECONDS', 900),
    resultsQueueLimit: whole('RESULTS_QUEUE_LIMIT', 1000),
    resultsDrainSeconds: whole('RESULTS_DRAIN_SECONDS', 20),
  };
}
