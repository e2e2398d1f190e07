// What the e2e collects on failure.
import { diagnosticCommands, redactor, summaryMarkdown, troubledPods, unreadyWorkloads } from '../scripts/e2e/diagnostics';
import { PodState } from '../scripts/e2e/release';

const pod = (name: string, ready: boolean, restarts: number): PodState => ({ name, uid: name, ready, restarts, images: [], workload: name.split('-')[0], terminating: false });
const pods = [pod('colyseus-a', true, 0), pod('colyseus-b', false, 0), pod('judge0-worker-c', true, 3)];
const argsOf = (file: string, node = false) => diagnosticCommands({ unready: ['deployment/colyseus'], pods, node }).find(c => c.file === file)?.args.join(' ');

test('unready workloads: fewer ready or updated replicas than wanted', () => {
  expect(unreadyWorkloads([
    { kind: 'Deployment', metadata: { name: 'colyseus' }, spec: { replicas: 2 }, status: { readyReplicas: 2, updatedReplicas: 1 } },
    { kind: 'StatefulSet', metadata: { name: 'redis' }, spec: {}, status: { readyReplicas: 1, updatedReplicas: 1 } },
    { kind: 'Deployment', metadata: { name: 'bots' }, spec: { replicas: 1 }, status: {} },
  ])).toEqual(['deployment/colyseus', 'deployment/bots']);
});

test('pods worth inspecting: not ready, or restarted', () => {
  expect(troubledPods(pods).map(p => p.name)).toEqual(['colyseus-b', 'judge0-worker-c']);
});

test('events of every namespace, describe of what is not ready, logs, --previous only for restarted pods, disk usage', () => {
  const files = diagnosticCommands({ unready: ['deployment/colyseus'], pods, node: false }).map(c => c.file);
  expect(files).toEqual([
    'events.txt', 'objects.txt', 'nodes.txt', 'describe-deployment-colyseus.txt',
    'describe-pod-colyseus-b.txt', 'logs-colyseus-b.txt',
    'describe-pod-judge0-worker-c.txt', 'logs-judge0-worker-c.txt', 'logs-previous-judge0-worker-c.txt',
    'disk.txt',
  ]);
  expect(argsOf('events.txt')).toBe('get events --all-namespaces --sort-by=.lastTimestamp -o wide');
  expect(argsOf('describe-deployment-colyseus.txt')).toBe('describe -n codeclashers deployment/colyseus');
  expect(argsOf('logs-previous-judge0-worker-c.txt')).toBe('logs -n codeclashers pod/judge0-worker-c --all-containers --previous --timestamps --tail=500');
});

test('on the node itself: k3s\'s journal, containerd\'s images and the disk they take', () => {
  const files = diagnosticCommands({ unready: [], pods: [], node: true }).map(c => c.file);
  expect(files).toEqual(['events.txt', 'objects.txt', 'nodes.txt', 'disk.txt', 'k3s-journal.txt', 'containerd-images.txt', 'disk-k3s.txt']);
});

test('secret values never reach a diagnostics file', () => {
  const redact = redactor(['s3cr3t-value', undefined, 'abc', 's3cr3t-value-longer']);
  expect(redact('REDIS_PASSWORD=s3cr3t-value-longer x=s3cr3t-value short=abc')).toBe('REDIS_PASSWORD=*** x=*** short=abc');
});

test('the job summary names what was not ready, the troubled pods, warnings and the disk', () => {
  const md = summaryMarkdown({ unready: ['deployment/colyseus'], pods, warnings: ['Warning BackOff pod/colyseus-b'], disk: '/dev/root 72G 60G 12G 84% /\n' });
  expect(md).toContain('Not ready: `deployment/colyseus`');
  expect(md).toContain('| judge0-worker-c | yes | 3 |');
  expect(md).toContain('Warning BackOff pod/colyseus-b');
  expect(md).toContain('84% /');
  expect(summaryMarkdown({ unready: [], pods: [], warnings: [], disk: '' })).toContain('Every workload was ready');
});
