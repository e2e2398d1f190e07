// .github/workflows/deploy.yml: the runner is the production machine (issue 17, item 12).
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const workflow = parse(fs.readFileSync(path.join(__dirname, '../.github/workflows/deploy.yml'), 'utf8'));
const job = workflow.jobs.deploy;

test('only main deploys, with its secrets in the production environment', () => {
  expect(job.if).toBe("github.ref == 'refs/heads/main'");
  expect(job.environment).toBe('production');
  expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
  expect(workflow.on.push.branches).toEqual(['main']);
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
