// The e2e workflow's decisions: production code paths in the right order, the gate's trigger,
// and K8S_* knobs that size the whole system (surge pods included) to the public runner.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { capacityOf } from '../lib/capacity';
import { KNOBS } from '../lib/config';
import { synthBackend } from './util';

const workflow = parse(fs.readFileSync(path.join(__dirname, '../.github/workflows/e2e.yml'), 'utf8'));
const job = workflow.jobs.e2e;
const steps: any[] = job.steps;
const indexOf = (pattern: RegExp) => {
  const i = steps.findIndex(s => pattern.test(`${s.name ?? ''} ${s.uses ?? ''} ${s.run ?? ''}`));
  if (i < 0) throw new Error(`no step matches ${pattern}`);
  return i;
};

test('runs on pull requests and on pushes to main, amd64 and arm64 legs, Judge0 off on arm64', () => {
  expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  expect(workflow.on.push.branches).toEqual(['main']);
  expect(job.strategy.matrix.include).toEqual([
    expect.objectContaining({ arch: 'amd64', runner: 'ubuntu-24.04', 'judge0-mode': 'cluster' }),
    expect.objectContaining({ arch: 'arm64', runner: 'ubuntu-24.04-arm', 'judge0-mode': 'off' }),
  ]);
  expect(job.strategy['fail-fast']).toBe(false);
  expect(workflow.permissions).toEqual({ contents: 'read' });
});

test('production code paths, in order: disk freed, registry, registries.yaml before k3s starts, pulls, buildx, e2e', () => {
  const order = [/Free disk/, /Registry on localhost:5000/, /registries\.yaml/, /scripts\/install-k3s\.sh/, /prepull\.ts/, /setup-buildx-action/, /--base-images/, /npm run e2e/].map(indexOf);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  expect(steps[indexOf(/registries\.yaml/)].run).toContain('"http://localhost:5000"');
  expect(steps[indexOf(/setup-buildx-action/)].with['driver-opts']).toBe('network=host');
  expect(job.env.IMAGE_REGISTRY).toBe('localhost:5000');
  expect(steps[indexOf(/Free disk/)].run.match(/df -h/g)).toHaveLength(2);
});

// Measured budgets, README "Time": about 5 min of setup (disk, npm ci, unit tests, k3s, pulls)
// before the e2e step; the diagnostics (kubectl describe/logs, the journal) and their upload after it.
const SETUP_MINUTES = 5;
const DIAGNOSTICS_MINUTES = 5;

test('the job outlasts setup + the e2e step\'s own limit + the diagnostics, so a slow failure still says why', () => {
  const e2e = steps[indexOf(/npm run e2e/)];
  expect(e2e['timeout-minutes']).toBeGreaterThan(0);
  expect(job['timeout-minutes']).toBeGreaterThanOrEqual(SETUP_MINUTES + e2e['timeout-minutes'] + DIAGNOSTICS_MINUTES);
  expect(steps[indexOf(/diagnostics\.ts/)].if).toBe('failure()');
  expect(steps[indexOf(/upload-artifact/)]).toMatchObject({ if: 'failure()', with: { path: '${{ runner.temp }}/e2e-diagnostics' } });
});

test('short matches: K8S_MATCH_SECONDS 60', () => {
  expect(job.env.K8S_MATCH_SECONDS).toBe('60');
});

describe('the knobs size the system to the public runner (4 cores, 16 GB)', () => {
  // The heaviest leg: amd64, Judge0 in the cluster (the matrix expression resolved to it).
  const amd64 = job.strategy.matrix.include.find((leg: any) => leg.arch === 'amd64');
  const knobs: Record<string, string> = Object.fromEntries(Object.entries(job.env as Record<string, string>)
    .filter(([k]) => k.startsWith('K8S_'))
    .map(([k, v]) => [k, v.replace(/\$\{\{ matrix\.([\w-]+) \}\}/g, (_, key) => amd64[key])]));

  test('every K8S_ variable is a real knob', () => {
    expect(Object.keys(knobs).filter(k => !KNOBS.some(knob => knob.name === k))).toEqual([]);
    expect(knobs.K8S_JUDGE0_MODE).toBe('cluster');
  });

  test('requests with surge pods fit the node\'s 4 cores and 16 GB', () => {
    const report = capacityOf(synthBackend(knobs), { cpu: '4', memory: '16Gi' });
    expect(report.overBudget).toEqual([]);
  });

  test('README: a private 2-core / 8 GB runner needs K8S_JUDGE0_WORKER_CPU_REQUEST=250m, and then fits', () => {
    expect(capacityOf(synthBackend(knobs), { cpu: '2', memory: '8Gi' }).overBudget).not.toEqual([]);
    expect(capacityOf(synthBackend({ ...knobs, K8S_JUDGE0_WORKER_CPU_REQUEST: '250m' }), { cpu: '2', memory: '8Gi' }).overBudget).toEqual([]);
  });
});

test('a commit whose unit tests or linters fail cannot pass the e2e (deploy.yml\'s gate), checked before the slow steps', () => {
  const at = indexOf(/npm run test:unit/);
  expect(steps[at].run).toMatch(/npm run lint && npm run test:unit/);
  expect(steps[at].if).toBeUndefined();
  expect(steps[at]['continue-on-error']).toBeUndefined();
  expect(at).toBeGreaterThan(indexOf(/^\s*npm ci/));
  expect(at).toBeLessThan(indexOf(/scripts\/install-k3s\.sh/));
});
