// npm run bench: median wall time of `cdk8s synth` for this app, side by side with an empty
// `cdk8s init typescript-app` app run the template's way (`npx ts-node main.ts`).
// Target (issue "Synthesize the whole CodeClashers backend"): at most half the baseline.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLI = path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * The empty app `cdk8s init typescript-app` creates, from cdk8s-cli's own template files
 * (without its `imports:` step, which needs the network and is not run at synth anyway).
 */
function baselineApp(): string {
  const template = path.join(ROOT, 'node_modules/cdk8s-cli/templates/typescript-app');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-baseline-'));
  const config = fs.readFileSync(path.join(template, 'cdk8s.yaml'), 'utf8').replace(/imports:[\s\S]*$/, '');
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), config);
  fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(template, 'main.ts'), 'utf8').replace('{{ $base }}', 'baseline'));
  fs.copyFileSync(path.join(template, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Seconds and peak memory (MiB, the largest process) of one `cdk8s synth` in `cwd`. */
function synthOnce(cwd: string): { seconds: number; maxRssMiB?: number } {
  const args = [process.execPath, CLI, 'synth', '--no-check-upgrade'];
  const start = process.hrtime.bigint();
  const result = TIME
    ? spawnSync(TIME, ['-f', '%M', ...args], { cwd, encoding: 'utf8' })
    : spawnSync(args[0], args.slice(1), { cwd, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`cdk8s synth failed in ${cwd}:\n${result.stderr}`);
  const kb = TIME ? Number(result.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, maxRssMiB: Number.isFinite(kb) ? kb / 1024 : undefined };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const baseline = baselineApp();
  // The real app synthesizes in a scratch copy, so the bench never rewrites this checkout's dist/.
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-app-'));
  for (const entry of ['main.ts', 'lib', 'imports', 'policy', 'cdk8s.yaml', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(app, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  try {
    synthOnce(baseline); synthOnce(app); // warm the file cache
    const ours: number[] = [], theirs: number[] = [], rss: number[] = [];
    for (let i = 0; i < RUNS; i++) { // interleaved, so load on the machine hits both alike
      const run = synthOnce(app);
      ours.push(run.seconds);
      if (run.maxRssMiB) rss.push(run.maxRssMiB);
      theirs.push(synthOnce(baseline).seconds);
    }
    const ratio = median(ours) / median(theirs);
    console.log(`runs: ${RUNS} each, interleaved`);
    console.log(`baseline (empty template app, npx ts-node main.ts): median ${median(theirs).toFixed(2)} s`);
    console.log(`codeclashers (full backend + policy): median ${median(ours).toFixed(2)} s` + (rss.length ? `, peak RSS ${median(rss).toFixed(0)} MiB` : ''));
    console.log(`ratio: ${ratio.toFixed(2)} (target <= 0.50): ${ratio <= 0.5 ? 'met' : 'NOT met'}`);
    process.exitCode = ratio <= 0.5 ? 0 : 1;
  } finally {
    fs.rmSync(baseline, { recursive: true, force: true });
    fs.rmSync(app, { recursive: true, force: true });
  }
}

main();
