// What the e2e collects when it fails: events, `describe` of what is not ready, logs with
// --previous, disk usage. The list is a pure function (test/e2e-diagnostics.test.ts); the CLI
// runs it, redacts every secret value, writes one file per command and a Markdown summary.
//
//   node -r tsx/cjs scripts/e2e/diagnostics.ts --out <dir>     (GITHUB_STEP_SUMMARY is appended to)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SECRET_KEYS } from '../../lib/app-secrets';
import { NAMESPACE } from '../../lib/labels';
import { PodState, podStatesOf } from './release';

export interface DiagnosticCommand {
  /** File name inside the output directory. */
  readonly file: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** Workloads whose ready replicas fall short, as `kind/name`. */
export function unreadyWorkloads(workloads: readonly any[]): string[] {
  return workloads
    .filter(w => (w.status?.readyReplicas ?? 0) < (w.spec?.replicas ?? 1) || (w.status?.updatedReplicas ?? 0) < (w.spec?.replicas ?? 1))
    .map(w => `${String(w.kind).toLowerCase()}/${w.metadata.name}`);
}

/** Pods worth a `describe` and their logs: not ready, or restarted at least once. */
export function troubledPods(pods: readonly PodState[]): PodState[] {
  return pods.filter(p => !p.ready || p.restarts > 0);
}

/**
 * The commands to run, given what is not ready. `node`: the node is this machine, so its
 * journal, containerd's images and the disk can be read too.
 */
export function diagnosticCommands(facts: { unready: readonly string[]; pods: readonly PodState[]; node: boolean }): DiagnosticCommand[] {
  const k = (file: string, ...args: string[]): DiagnosticCommand => ({ file, command: 'kubectl', args });
  const commands: DiagnosticCommand[] = [
    k('events.txt', 'get', 'events', '--all-namespaces', '--sort-by=.lastTimestamp', '-o', 'wide'),
    k('objects.txt', 'get', 'all,pvc,pv,networkpolicy,configmap', '--all-namespaces', '-o', 'wide'),
    k('nodes.txt', 'describe', 'nodes'),
    ...facts.unready.map(w => k(`describe-${w.replace('/', '-')}.txt`, 'describe', '-n', NAMESPACE, w)),
  ];
  for (const pod of troubledPods(facts.pods)) {
    commands.push(k(`describe-pod-${pod.name}.txt`, 'describe', '-n', NAMESPACE, `pod/${pod.name}`));
    commands.push(k(`logs-${pod.name}.txt`, 'logs', '-n', NAMESPACE, `pod/${pod.name}`, '--all-containers', '--timestamps', '--tail=500'));
    // The crash that restarted it is in the previous container's log.
    if (pod.restarts > 0) commands.push(k(`logs-previous-${pod.name}.txt`, 'logs', '-n', NAMESPACE, `pod/${pod.name}`, '--all-containers', '--previous', '--timestamps', '--tail=500'));
  }
  commands.push({ file: 'disk.txt', command: 'df', args: ['-h'] });
  if (facts.node) {
    commands.push({ file: 'k3s-journal.txt', command: 'sudo', args: ['journalctl', '-u', 'k3s', '--no-pager', '-n', '500'] });
    commands.push({ file: 'containerd-images.txt', command: 'sudo', args: ['k3s', 'crictl', 'images'] });
    commands.push({ file: 'disk-k3s.txt', command: 'sudo', args: ['du', '-sh', '/var/lib/rancher/k3s/agent/containerd', '/var/lib/rancher/k3s/storage'] });
  }
  return commands;
}

/** Replaces every secret value (at least 4 characters) in `text` with ***. */
export function redactor(values: readonly (string | undefined)[]): (text: string) => string {
  const secrets = values.filter((v): v is string => !!v && v.length >= 4).sort((a, b) => b.length - a.length);
  return text => secrets.reduce((t, v) => t.split(v).join('***'), text);
}

/** The job summary's section: what was not ready, which pods restarted, the disk. */
export function summaryMarkdown(facts: { unready: readonly string[]; pods: readonly PodState[]; warnings: readonly string[]; disk: string }): string {
  const troubled = troubledPods(facts.pods);
  return [
    '## e2e diagnostics',
    '',
    facts.unready.length ? `Not ready: ${facts.unready.map(w => `\`${w}\``).join(', ')}` : 'Every workload was ready when the diagnostics ran.',
    '',
    ...(troubled.length ? ['| pod | ready | restarts |', '| --- | --- | ---: |', ...troubled.map(p => `| ${p.name} | ${p.ready ? 'yes' : 'no'} | ${p.restarts} |`), ''] : []),
    ...(facts.warnings.length ? ['Last warning events:', '', '```', ...facts.warnings.slice(-15), '```', ''] : []),
    'Disk:', '', '```', facts.disk.trim(), '```', '',
    'Everything collected is in the `e2e-diagnostics` artifact.',
    '',
  ].join('\n');
}

function main(argv: string[]): number {
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  if (!out) {
    console.error('error: --out <directory> is required; accepted: a directory to write the diagnostics to');
    return 2;
  }
  fs.mkdirSync(out, { recursive: true });
  const redact = redactor([...SECRET_KEYS, 'E2E_REDIS_PASSWORD_ROTATED'].map(key => process.env[key]));
  const run = (command: string, args: readonly string[]) => {
    const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: 60_000 });
    return redact(`${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error.message) : ''}`);
  };
  const json = (args: string[]) => {
    try {
      return JSON.parse(spawnSync('kubectl', args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: 60_000 }).stdout || '{}').items ?? [];
    } catch {
      return [];
    }
  };
  const workloads = json(['get', 'deployments,statefulsets', '-n', NAMESPACE, '-o', 'json']);
  const pods = podStatesOf(json(['get', 'pods', '-n', NAMESPACE, '-o', 'json']));
  const unready = unreadyWorkloads(workloads);
  const node = fs.existsSync('/usr/local/bin/k3s-killall.sh');
  for (const c of diagnosticCommands({ unready, pods, node })) {
    fs.writeFileSync(path.join(out, c.file), `$ ${c.command} ${c.args.join(' ')}\n${run(c.command, c.args)}`);
  }
  const warnings = run('kubectl', ['get', 'events', '-n', NAMESPACE, '--field-selector', 'type=Warning', '--sort-by=.lastTimestamp'])
    .split('\n').filter(Boolean);
  const summary = summaryMarkdown({ unready, pods, warnings, disk: run('df', ['-h', '/']) });
  fs.writeFileSync(path.join(out, 'summary.md'), summary);
  if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary);
  console.log(summary);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
