// npm run bench: `npx cdk8s synth` as a user types it, in this project and in the empty app
// `cdk8s init typescript-app` creates (run its way, `npx ts-node main.ts`), side by side:
// interleaved runs, median and spread of each. Target (issue 20): this project <= 0.5 x baseline.
// Also timed alone, each in a fresh process: this app (main.ts through lib/require-typescript.cjs,
// as cdk8s.yaml runs it), the policy plugin (load, check, publish) and cdk8s-cli itself (--help).
// Wall times on a shared machine are noisy: the CPU times (user + system) are steadier.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const RUNS = runsOf(process.env.BENCH_RUNS);
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
// Both sides alike: cdk8s-cli's upgrade check needs the network. CDK8S_CHECK_UPGRADE=false is
// --no-check-upgrade (cdk8s-cli lib/cli/index.js: yargs `.env('CDK8S')`).
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

interface Run { wall: number; cpu?: number; rssMiB?: number }

/** BENCH_RUNS: runs of each side (at least 5, so a median means something); exits naming a bad value. */
function runsOf(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 5;
  if (!/^\d+$/.test(raw.trim())) {
    console.error(`error: BENCH_RUNS=${JSON.stringify(raw)} is invalid; accepted: a whole number of runs (at least 5 are made)`);
    process.exit(2);
  }
  return Math.max(5, Number(raw));
}

/** Wall seconds, CPU seconds (user + system, all processes) and peak RSS of one command. */
function timeOnce(command: string[], cwd: string, env: NodeJS.ProcessEnv = ENV): Run {
  const start = process.hrtime.bigint();
  const result = TIME
    ? spawnSync(TIME, ['-f', '%U %S %M', ...command], { cwd, env, encoding: 'utf8' })
    : spawnSync(command[0], command.slice(1), { cwd, env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  if (!TIME) return { wall };
  const [user, system, kb] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user + system, rssMiB: kb / 1024 };
}

/** The empty app of cdk8s-cli's `typescript-app` template, on this checkout's node_modules. */
function baselineApp(): string {
  const template = path.join(ROOT, 'node_modules/cdk8s-cli/templates/typescript-app');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-baseline-'));
  // Without its `imports:` step, which needs the network and is not part of a synth.
  const config = fs.readFileSync(path.join(template, 'cdk8s.yaml'), 'utf8').replace(/imports:[\s\S]*$/, '');
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), config);
  fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(template, 'main.ts'), 'utf8').replace('{{ $base }}', 'baseline'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'baseline', version: '1.0.0', private: true }));
  fs.copyFileSync(path.join(template, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** A scratch copy of this project, so the bench never rewrites the checkout's dist/. */
function projectCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-app-'));
  for (const entry of ['main.ts', 'lib', 'imports', 'policy', 'cdk8s.yaml', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Runs the plugin alone on the app's staged manifests, as cdk8s-cli would. */
const PLUGIN_ALONE = `
const fs = require('fs');
const { CodeClashersPolicy } = require('./policy');
const manifests = fs.readdirSync('.cdk8s.out').filter(f => f.endsWith('.yaml')).map(f => '.cdk8s.out/' + f);
const context = { manifests, logger: { log() {} }, report: { addViolation() {}, submit() {} } };
new CodeClashersPolicy({ publishTo: 'dist-bench', architectureTo: 'dist-bench.md' }).validate(context);
`;

function stats(runs: Run[], key: 'wall' | 'cpu'): string {
  const xs = runs.map(r => r[key]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (!xs.length) return 'n/a';
  return `median ${xs[Math.floor(xs.length / 2)].toFixed(2)} s (${xs[0].toFixed(2)}-${xs[xs.length - 1].toFixed(2)})`;
}
const median = (runs: Run[], key: 'wall' | 'cpu') => [...runs.map(r => r[key] ?? NaN)].sort((a, b) => a - b)[Math.floor(runs.length / 2)];

function main(): void {
  const baseline = baselineApp();
  const app = projectCopy();
  const node = process.execPath;
  const synth = ['npx', 'cdk8s', 'synth'];
  const measured: Record<string, Run[]> = { baseline: [], project: [], app: [], plugin: [], cli: [] };
  try {
    timeOnce(synth, baseline); timeOnce(synth, app); // warm the file cache (and the app's compiled-file cache, lib/require-typescript.cjs)
    for (let i = 0; i < RUNS; i++) { // interleaved, so load on the machine hits all alike
      measured.project.push(timeOnce(synth, app));
      measured.baseline.push(timeOnce(synth, baseline));
      measured.app.push(timeOnce([node, '-r', './lib/require-typescript.cjs', 'main.ts'], app));
      measured.plugin.push(timeOnce([node, '-e', PLUGIN_ALONE], app));
      measured.cli.push(timeOnce([node, 'node_modules/cdk8s-cli/bin/cdk8s', '--help'], app));
    }
    const ratio = median(measured.project, 'wall') / median(measured.baseline, 'wall');
    const cpuRatio = median(measured.project, 'cpu') / median(measured.baseline, 'cpu');
    const rss = measured.project.map(r => r.rssMiB).filter(Boolean) as number[];
    console.log(`runs: ${RUNS} each, interleaved; wall and CPU (user+system) seconds, median (min-max)`);
    console.log(`\`npx cdk8s synth\`, empty template app (npx ts-node main.ts): wall ${stats(measured.baseline, 'wall')}, CPU ${stats(measured.baseline, 'cpu')}`);
    console.log(`\`npx cdk8s synth\`, this project (app + policy + publish): wall ${stats(measured.project, 'wall')}, CPU ${stats(measured.project, 'cpu')}`
      + (rss.length ? `, peak RSS ${rss.sort((a, b) => a - b)[Math.floor(rss.length / 2)].toFixed(0)} MiB` : ''));
    console.log(`  this app alone (node -r ./lib/require-typescript.cjs main.ts): wall ${stats(measured.app, 'wall')}, CPU ${stats(measured.app, 'cpu')}`);
    console.log(`  the policy plugin alone (load, check, publish): wall ${stats(measured.plugin, 'wall')}, CPU ${stats(measured.plugin, 'cpu')}`);
    console.log(`  cdk8s-cli alone (--help): wall ${stats(measured.cli, 'wall')}, CPU ${stats(measured.cli, 'cpu')}`);
    console.log(`ratio of medians: wall ${ratio.toFixed(2)}, CPU ${cpuRatio.toFixed(2)} (target <= 0.50): ${ratio <= 0.5 ? 'met' : 'NOT met'}`);
    process.exitCode = ratio <= 0.5 ? 0 : 1;
  } finally {
    fs.rmSync(baseline, { recursive: true, force: true });
    fs.rmSync(app, { recursive: true, force: true });
  }
}

main();
