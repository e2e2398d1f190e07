// .github/workflows/deploy.yml: the runner is the production machine (issue 17, item 12).
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const workflow = parse(fs.readFileSync(path.join(__dirname, '../.github/workflows/deploy.yml'), 'utf8'));
const job = workflow.jobs.deploy;

/** The `if` as its conditions: `(A && B) || (C && D)` -> [[A, B], [C, D]]. */
const conditions = (expression: string) => expression.replace(/\s+/g, ' ').trim().split(' || ')
  .map(branch => branch.replace(/^\(|\)$/g, '').split(' && ').map(c => c.trim()).sort());

test('the gate: production deploys only a commit whose e2e passed on a push to main of this repository', () => {
  expect(workflow.on.workflow_run).toEqual({ workflows: ['e2e'], types: ['completed'], branches: ['main'] });
  // The workflow it follows is the one named e2e, whose job runs on push to main.
  const e2e = parse(fs.readFileSync(path.join(__dirname, '../.github/workflows/e2e.yml'), 'utf8'));
  expect(e2e.name).toBe('e2e');
  expect(e2e.on.push.branches).toEqual(['main']);
  // Every condition of each branch, none more, none fewer: dropping one fails here.
  expect(conditions(job.if)).toEqual([
    [
      "github.event.workflow_run.conclusion == 'success'",
      "github.event.workflow_run.event == 'push'",
      "github.event.workflow_run.head_branch == 'main'",
      'github.event.workflow_run.head_repository.full_name == github.repository',
      "github.event_name == 'workflow_run'",
    ],
    ["github.event_name == 'workflow_dispatch'", "github.ref == 'refs/heads/main'"],
  ]);
  // No push trigger: a push deploys only through its e2e run.
  expect(Object.keys(workflow.on).sort()).toEqual(['workflow_dispatch', 'workflow_run']);
});

test('the tested commit is checked out and deployed, never GITHUB_SHA', () => {
  const checkout = job.steps.find((s: any) => String(s.uses).startsWith('actions/checkout@'));
  expect(checkout.with.ref).toBe("${{ github.event_name == 'workflow_run' && github.event.workflow_run.head_sha || github.sha }}");
  const deploy = job.steps.find((s: any) => s.name === 'Deploy');
  expect(Object.keys(deploy.env)).not.toContain('GITHUB_SHA');
  // That the deploy records the checkout's HEAD, not GITHUB_SHA, is a scenario in test/integ/deploy.test.ts.
});

test('secrets in the production environment; manual runs (deploy, plan, rollback) from main only', () => {
  expect(job.environment).toBe('production');
  expect(workflow.on.workflow_dispatch.inputs.action.options).toEqual(['deploy', 'plan', 'rollback']);
});

test('one deploy at a time, never cancelled halfway; least permissions', () => {
  expect(workflow.concurrency).toEqual({ group: 'deploy', 'cancel-in-progress': false });
  expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' });
});

test('the deploy step runs the one entry point; the manual action is a fixed choice passed through env', () => {
  const step = job.steps.find((s: any) => s.name === 'Deploy');
  expect(step.run).toContain('npm run deploy -- --plan');
  expect(step.run).toContain('npm run deploy -- --rollback');
  expect(step.run).not.toContain('${{');
  expect(workflow.on.workflow_dispatch.inputs.action.options).toEqual(['deploy', 'plan', 'rollback']);
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8'));
  expect(pkg.scripts.deploy).toBe('node -r tsx/cjs scripts/deploy/index.ts');
});
