// README.md is the user's reference: it must list every knob with its real default, every
// policy rule and every secret the workflow passes.
import * as fs from 'fs';
import * as path from 'path';
import { SECRET_KEYS } from '../lib/app-secrets';
import { KNOBS, SERVICES } from '../lib/config';
import { RULES } from '../policy/rules';

const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
const workflow = fs.readFileSync(path.join(__dirname, '../.github/workflows/deploy.yml'), 'utf8');
const knob = (name: string) => KNOBS.find(k => k.name === name)!.default;

test('starts with the synth and test commands', () => {
  const commands = readme.split('```sh\n')[1].split('\n').slice(0, 2).map(l => l.split('#')[0].trim());
  expect(commands).toEqual(['npm ci && npm run synth', 'npm test']);
  expect(fs.readFileSync(path.join(__dirname, '../.ci/run'), 'utf8')).toMatch(/^npm test$/m);
});

test.each(SERVICES)('the sizing table row of %s shows the real defaults', svc => {
  const row = ['REPLICAS', 'MEMORY_REQUEST', 'MEMORY_LIMIT', 'CPU_REQUEST', 'CPU_LIMIT'].map(k => knob(`K8S_${svc}_${k}`));
  expect(readme).toContain(`| \`${svc}\` | ${row.join(' | ')} |`);
});

test('the Configuration section lists exactly KNOBS, each other knob with its real default', () => {
  const section = readme.split('\n## Configuration\n')[1].split('\n## ')[0];
  const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map(m => ({ name: m[1], default: m[2].trim() }));
  const sizingRows = rows.filter(r => (SERVICES as readonly string[]).includes(r.name));
  const knobRows = rows.filter(r => !sizingRows.includes(r));
  const sizingKnobs = sizingRows.flatMap(r => ['REPLICAS', 'MEMORY_REQUEST', 'MEMORY_LIMIT', 'CPU_REQUEST', 'CPU_LIMIT'].map(k => `K8S_${r.name}_${k}`));
  expect([...sizingKnobs, ...knobRows.map(r => r.name)].sort()).toEqual(KNOBS.map(k => k.name).sort());
  for (const row of knobRows) expect(row).toEqual({ name: row.name, default: knob(row.name) ? `\`${knob(row.name)}\`` : 'none' });
});

test('every policy rule is listed', () => {
  for (const rule of RULES) expect(readme).toContain(`| \`${rule.name}\` |`);
});

test('every secret is documented and passed by the deploy workflow', () => {
  for (const key of SECRET_KEYS) {
    expect(readme).toContain(`\`${key}\``);
    expect(workflow).toContain(`${key}: \${{ secrets.${key} }}`);
  }
});
