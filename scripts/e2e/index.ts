// `npm run e2e`: the whole system on a real cluster (the one KUBECONFIG names), scenario by
// scenario (issue 14). Run by .github/workflows/e2e.yml on a fresh k3s; runs against any
// cluster, where it skips what needs the node or the local registry and refuses a namespace
// holding someone else's release.
//
// Environment: what `npm run deploy` needs (the app-secrets keys, K8S_* knobs, IMAGE_REGISTRY),
// plus E2E_SCENARIOS (e.g. "a,b,i"; default all), E2E_DEPLOY_TIMEOUT_SECONDS (default 900),
// E2E_MONGOSH_TLS_ARGS (mongosh options inside the MongoDB pod; default: TLS with the mounted
// CA unless K8S_MONGODB_TLS=off), E2E_GAME_URL (players' endpoint instead of the
// LoadBalancer's address). Players' tokens carry the game server's own PLAYER_AUDIENCE.
import * as fs from 'fs';
import * as path from 'path';
import { APP_SECRETS, requiredSecrets } from '../../lib/app-secrets';
import { NAMESPACE } from '../../lib/labels';
import { Scenario, createContext } from './context';
import { Kube, mongoshTlsArgsOf } from './kube';
import { E2E_OWNER_LABEL, Target, isLocalRegistry, isThisHost, judge0ModeOf, ownershipOf, parseScenarioList, planScenarios } from './plan';
import { firstInstall } from './scenarios/a-first-install';
import { mongodbExposure } from './scenarios/a2-mongodb-exposure';
import { mongoRotation } from './scenarios/e2-mongodb-rotation';
import { judgedDuel } from './scenarios/b-judged-duel';
import { botOpponent } from './scenarios/c-bot';
import { failedRelease } from './scenarios/d-failed-release';
import { redisRotation } from './scenarios/e-redis-rotation';
import { rollback } from './scenarios/f-rollback';
import { prune } from './scenarios/g-prune';
import { hostRestart } from './scenarios/h-host-restart';
import { noChange } from './scenarios/i-no-change';

export const SCENARIOS: readonly Scenario[] = [firstInstall, mongodbExposure, judgedDuel, botOpponent, failedRelease, redisRotation, mongoRotation, rollback, prune, hostRestart, noChange];

/** The facts plan.ts decides on, read from KUBECONFIG's cluster and this machine. */
async function targetOf(kube: Kube, env: NodeJS.ProcessEnv): Promise<Target> {
  const view = await kube.kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], { check: false });
  const server = view.stdout.trim();
  if (view.status !== 0 || !server) {
    throw new Error(`KUBECONFIG=${JSON.stringify(env.KUBECONFIG ?? '')} names no current cluster (${view.stderr.trim() || 'no server'}); accepted: a kubeconfig whose current context is the cluster to test`);
  }
  const nodeIsThisHost = isThisHost(server, fs.existsSync('/usr/local/bin/k3s-killall.sh'));
  return {
    nodeIsThisHost, localRegistry: isLocalRegistry(env.IMAGE_REGISTRY, nodeIsThisHost), judge0Mode: judge0ModeOf(env.K8S_JUDGE0_MODE),
    frontendMongoUri: !!env.MONGODB_URI?.trim(),
  };
}

/** Makes the namespace the e2e's own, or refuses (throws) when it holds someone else's release. */
async function claimNamespace(kube: Kube, log: (line: string) => void): Promise<void> {
  const ns = await kube.kubectl(['get', 'namespace', NAMESPACE, '-o', 'json'], { check: false });
  const exists = ns.status === 0;
  const facts = {
    exists,
    labels: exists ? JSON.parse(ns.stdout).metadata.labels ?? {} : {},
    workloads: exists ? (await kube.workloads()).length : 0,
    hasAppSecrets: exists && (await kube.kubectl(['get', 'secret', APP_SECRETS, '-n', NAMESPACE], { check: false })).status === 0,
  };
  const ownership = ownershipOf(NAMESPACE, facts);
  if (ownership.action === 'refuse') throw new Error(ownership.reason);
  if (ownership.action === 'replace') {
    log(ownership.reason);
    await kube.kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=300s'], { timeoutMs: 330_000 });
  }
  if (ownership.action === 'replace' || !exists) await kube.kubectl(['create', 'namespace', NAMESPACE]);
  // The deploy applies this Namespace server-side under its own field manager; this label is
  // another manager's and stays.
  await kube.kubectl(['label', 'namespace', NAMESPACE, '--overwrite', `${E2E_OWNER_LABEL}=${process.env.GITHUB_RUN_ID ?? 'local'}`]);
}

async function main(): Promise<number> {
  const root = path.resolve(__dirname, '../..');
  const env = process.env;
  const log = (line: string) => console.log(line);
  const started = Date.now();
  let only;
  let target: Target;
  let kube: Kube;
  try {
    kube = new Kube(log, mongoshTlsArgsOf(env));
    only = parseScenarioList(env.E2E_SCENARIOS);
    target = await targetOf(kube, env);
    const missing = requiredSecrets(target.judge0Mode === 'cluster').filter(k => !env[k]?.trim());
    if (missing.length) throw new Error(`missing secrets (the deploy needs them; the workflow generates them with scripts/e2e/secrets.ts): ${missing.join(', ')}`);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  const plan = planScenarios(target, only);
  log(`Cluster: node is this host: ${target.nodeIsThisHost}; local registry: ${target.localRegistry}; Judge0: ${target.judge0Mode}`);
  try {
    await claimNamespace(kube, log);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 3;
  }
  const deployTimeoutSeconds = Number(env.E2E_DEPLOY_TIMEOUT_SECONDS || 900);
  const ctx = createContext({
    root, kube, target, deployTimeoutSeconds,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
  });
  const rows: string[] = [];
  let failed = false;
  for (const planned of plan) {
    const scenario = SCENARIOS.find(s => s.id === planned.id)!;
    if (planned.skip) {
      log(`\n--- (${scenario.id}) ${scenario.title}: SKIPPED: ${planned.skip}`);
      rows.push(`| ${scenario.id} | ${scenario.title} | skipped: ${planned.skip} | |`);
      continue;
    }
    if (failed) {
      rows.push(`| ${scenario.id} | ${scenario.title} | not run: an earlier scenario failed | |`);
      continue;
    }
    log(`\n--- (${scenario.id}) ${scenario.title}`);
    const t0 = Date.now();
    try {
      await scenario.run(ctx);
      rows.push(`| ${scenario.id} | ${scenario.title} | passed | ${((Date.now() - t0) / 1000).toFixed(0)} s |`);
      log(`--- (${scenario.id}) passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (error) {
      // Later scenarios build on this one's state: stop here, and say exactly why.
      failed = true;
      const message = (error as Error).message;
      rows.push(`| ${scenario.id} | ${scenario.title} | **failed**: ${message.split('\n').join(' ').replace(/\|/g, '\\|')} | ${((Date.now() - t0) / 1000).toFixed(0)} s |`);
      console.error(`--- (${scenario.id}) FAILED: ${message}`);
    }
  }
  const table = ['## e2e', '', `${failed ? 'Failed' : 'Passed'} in ${((Date.now() - started) / 60_000).toFixed(1)} min.`, '',
    '| | scenario | result | time |', '| --- | --- | --- | ---: |', ...rows, ''].join('\n');
  log(`\n${table}`);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, table);
  return failed ? 1 : 0;
}

if (require.main === module) {
  // Exit explicitly: a scenario that failed halfway may leave a player's WebSocket open.
  main().then(code => process.exit(code), error => { console.error(error); process.exit(1); });
}
