// docs/architecture.md: drawn from the lane table at every synth; the committed file must be
// what the code draws today (run `npm run synth` and commit it when this fails).
import * as fs from 'fs';
import * as path from 'path';
import { renderArchitecture } from '../lib/architecture';
import { workloadsOf } from '../lib/manifest';
import { nameOf } from '../lib/network';
import { JUDGE0_MODES, buildBackend } from './util';

const draw = (env: Record<string, string>) => {
  const { objects, lanes, config } = buildBackend(env);
  return { text: renderArchitecture(objects, lanes, config), objects, lanes };
};

test('the committed docs/architecture.md is current (else: npm run synth, commit it)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '../docs/architecture.md'), 'utf8');
  expect(committed).toBe(draw({}).text);
});

test('the README links it', () => {
  expect(fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8')).toContain('](docs/architecture.md)');
});

test.each(Object.keys(JUDGE0_MODES))('Judge0 %s: every workload is a node, every lane an arrow with its port, nothing else', mode => {
  const { text, objects, lanes } = draw(JUDGE0_MODES[mode]);
  const mermaid = text.split('```mermaid\n')[1].split('```')[0];
  const names = workloadsOf(objects).map(w => w.object.metadata.name);
  const nodes = [...mermaid.matchAll(/<b>([^<]+)<\/b>/g)].map(m => m[1]);
  expect(nodes.sort()).toEqual([...names].sort());
  const arrows = mermaid.split('\n').filter(l => l.includes('-->'));
  expect(arrows).toHaveLength(lanes.length);
  for (const lane of lanes) expect(text).toContain(`| ${nameOf(lane.from)} | ${nameOf(lane.to)} | ${lane.port} |`);
  expect(mermaid.includes('judge0_server')).toBe(mode === 'cluster');
});

test('an external Judge0 on another VM is drawn outside the cluster with its range and port', () => {
  const { text } = draw(JUDGE0_MODES['external (private VM)']);
  expect(text).toContain('[/"Judge0 at 10.0.1.17:2358<br/>10.0.1.0/24"/]');
  expect(text).toMatch(/colyseus -->\|2358\| out_Judge0_at_10_0_1_17_2358/);
});
