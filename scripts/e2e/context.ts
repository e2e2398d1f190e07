// What every scenario gets: the cluster, the deploy (run exactly as production runs it), the
// players' endpoint, and what earlier scenarios left for later ones.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { COLYSEUS_PORT, ColyseusGameServer } from '../../lib/colyseus-game-server';
import { DuelOutcome, DuelServer } from './duel';
import { Kube, exec } from './kube';
import { ScenarioId, Target } from './plan';

export interface DeployRun {
  readonly code: number;
  readonly output: string;
  /** What the deploy wrote to its job summary (GITHUB_STEP_SUMMARY). */
  readonly summary: string;
}

export interface E2eContext {
  readonly root: string;
  readonly kube: Kube;
  readonly target: Target;
  /** The deploy's environment: secrets, K8S_* knobs, IMAGE_REGISTRY. Scenarios change it as a user would. */
  readonly env: Record<string, string>;
  /** Seconds a deploy may take before the e2e gives up on it. */
  readonly deployTimeoutSeconds: number;
  log(line: string): void;
  /** Appends markdown to the job summary (GITHUB_STEP_SUMMARY) and the log. */
  summary(markdown: string): void;
  /** Runs `npm run deploy -- ...args` with `env` plus `extra`; resolves when it exits. */
  deploy(args?: readonly string[], extra?: Record<string, string>): Promise<DeployRun>;
  /** The game server as players reach it: the LoadBalancer on 2567. */
  server(): Promise<DuelServer>;
  /** Results earlier scenarios leave for later ones. */
  readonly state: { duel?: DuelOutcome };
}

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  run(ctx: E2eContext): Promise<void>;
}

/** In GitHub Actions, masks a secret made at run time in every later log line (docs: "Masking a value in a log"). */
export function mask(value: string): void {
  if (process.env.GITHUB_ACTIONS === 'true') console.log(`::add-mask::${value}`);
}

export function createContext(options: { root: string; kube: Kube; target: Target; env: Record<string, string>; deployTimeoutSeconds: number }): E2eContext {
  const log = (line: string) => console.log(line);
  let url: string | undefined;
  const ctx: E2eContext = {
    ...options,
    log,
    summary(markdown) {
      log(markdown);
      if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
    },
    state: {},
    async deploy(args = [], extra = {}) {
      const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-deploy-')), 'summary.md');
      const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: options.root })).stdout.trim();
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      log(`$ npm run deploy -- ${args.join(' ')}${Object.keys(extra).length ? `   (with ${Object.keys(extra).join(', ')} changed)` : ''}`);
      const r = await exec(npm, ['run', '--silent', 'deploy', '--', ...args], {
        cwd: options.root,
        // GITHUB_SHA: the commit being deployed is the checkout's HEAD (scenario d commits on top).
        env: { ...process.env, ...ctx.env, ...extra, GITHUB_SHA: head, GITHUB_STEP_SUMMARY: summaryFile },
        timeoutMs: options.deployTimeoutSeconds * 1000,
        onOutput: chunk => process.stdout.write(chunk.replace(/^/gm, '  | ')),
      });
      const summary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '';
      if (process.env.GITHUB_STEP_SUMMARY && summary) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary);
      log(`deploy exited ${r.status}`);
      return { code: r.status, output: r.stdout + r.stderr, summary };
    },
    async server() {
      if (!url) {
        const address = await options.kube.loadBalancerUrl(ColyseusGameServer.NAME, COLYSEUS_PORT);
        // On the node itself ServiceLB answers on localhost too (also with externalTrafficPolicy: Local since klipper-lb 0.4.4, k3s-io/k3s#7561).
        url = process.env.E2E_GAME_URL || (options.target.nodeIsThisHost ? `http://127.0.0.1:${COLYSEUS_PORT}` : address);
      }
      // The token audience is the game server's PLAYER_AUDIENCE, imported by duel.ts.
      return { url, playerSecret: ctx.env.COLYSEUS_RESERVATION_SECRET };
    },
  };
  return ctx;
}

/** Throws with every problem, one per line, when there is any. */
export function assertNone(what: string, problems: readonly string[]): void {
  if (problems.length) throw new Error(`${what}:\n  - ${problems.join('\n  - ')}`);
}
