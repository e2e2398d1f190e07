// The deploy against the stand-in VM (test/fakes): the happy paths, then failures that must
// each end with the modelled cluster equal to the last good release.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_K3S_VERSION } from '../../scripts/deploy';
import { SECRETS, Vm, kubectlCalls, writes } from '../fakes/deploy-vm';

jest.setTimeout(120_000);

let vm: Vm;
beforeEach(() => { vm = new Vm(); });
afterEach(() => vm.cleanUp());

test('first deploy: installs k3s, waits for the node to exist, kubeconfig for this user, everything ready, release recorded', async () => {
  const run = await vm.deploy();
  expect(run.output).toContain('Deploy succeeded');
  expect(run.status).toBe(0);
  expect(run.calls.filter(c => c[0] === 'sudo' && c[1] === 'env').map(c => c[2])).toEqual([`INSTALL_K3S_VERSION=${DEFAULT_K3S_VERSION}`]);
  const kubeconfig = path.join(vm.home, '.kube/config');
  expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
  // Every kubectl call names the kubeconfig: the k3s wrapper would read its root-only file.
  expect(kubectlCalls(run).filter(c => c[1] !== `--kubeconfig=${kubeconfig}`)).toEqual([]);
  const waits = kubectlCalls(run).filter(c => c[2] === 'wait').map(c => c[3]);
  expect(waits).toEqual(['--for=create', '--for=condition=Ready']);
  const [release] = vm.releases();
  expect(release.images.colyseus).toMatch(/^ghcr\.io\/acme\/codeclashers-colyseus:[0-9a-f]{20}$/);
  expect(vm.differencesFrom(release)).toEqual([]);
  expect(run.output + run.summary).not.toContain(SECRETS.REDIS_PASSWORD);
});

test('the k3s kubectl without an explicit kubeconfig is refused for the runner user (what the stand-in models)', async () => {
  expect((await vm.deploy()).status).toBe(0);
  const bare = vm.host.handle({ command: 'kubectl', args: ['get', 'nodes'], env: {}, cwd: vm.repo });
  expect(bare.status).toBe(1);
  expect(bare.stderr).toContain('/etc/rancher/k3s/k3s.yaml: permission denied');
  void writes;
});
