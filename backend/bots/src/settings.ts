// Environment of the bot service. A missing required variable stops start-up with one line.

export interface Settings {
  /** Where bots play, e.g. ws://colyseus:2567. */
  readonly colyseusUrl: string;
  readonly redisUrl: string;
  /** Signs the bots' tokens; the game server verifies them. */
  readonly botSecret: string;
  /** Seconds a human waits alone before a bot joins. */
  readonly joinAfterSeconds: number;
  /** Mean seconds a bot "thinks" before submitting (each duel draws 0.5x to 1.5x). */
  readonly thinkSeconds: number;
  /** Duels one replica plays at once. */
  readonly maxDuels: number;
  /** Without it, bots submit the problem's reference solution. */
  readonly openaiApiKey?: string;
  readonly openaiBaseUrl: string;
  readonly openaiModel: string;
  /** Port of /healthz and /readyz. */
  readonly port: number;
}

export class SettingsError extends Error {}

export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const required = (name: string, example: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new SettingsError(`${name} is not set; expected ${example}`);
    return value;
  };
  const number = (name: string, fallback: number, min: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value < min) throw new SettingsError(`${name}=${JSON.stringify(raw)} is invalid; expected a number >= ${min}`);
    return value;
  };
  return {
    colyseusUrl: required('COLYSEUS_URL', 'ws://colyseus:2567'),
    redisUrl: required('REDIS_URL', 'redis://:password@host:6379/0'),
    botSecret: required('BOT_SERVICE_SECRET', 'the secret the game server verifies bot tokens with (HS256)'),
    joinAfterSeconds: number('BOT_JOIN_AFTER_SECONDS', 20, 0),
    thinkSeconds: number('BOT_THINK_SECONDS', 45, 0),
    maxDuels: number('BOT_MAX_DUELS', 20, 1),
    openaiApiKey: env.OPENAI_API_KEY?.trim() || undefined,
    openaiBaseUrl: (env.OPENAI_BASE_URL?.trim() || 'https://api.openai.com/v1').replace(/\/+$/, ''),
    openaiModel: env.OPENAI_MODEL?.trim() || 'gpt-4o-mini',
    port: number('PORT', 3000, 1),
  };
}
