// CodeClashersNamespace and RetainedStorageClass.
import { Testing } from 'cdk8s';
import { Chart } from 'cdk8s';
import { CodeClashersNamespace } from '../lib/codeclashers-namespace';
import { RetainedStorageClass } from '../lib/retained-storage-class';
import { find } from './util';

function synth(enforce: 'privileged' | 'restricted') {
  const chart = new Chart(Testing.app(), 'cluster');
  new CodeClashersNamespace(chart, 'Ns', { enforce });
  new RetainedStorageClass(chart, 'Sc', { name: 'keep', provisioner: 'rancher.io/local-path' });
  return Testing.synth(chart);
}

test('Pod Security labels: enforce as given, warn and audit at restricted', () => {
  expect(find(synth('restricted'), 'Namespace', 'codeclashers').metadata.labels).toMatchObject({
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
  });
  expect(find(synth('privileged'), 'Namespace', 'codeclashers').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged');
});

test('default deny in both directions, and DNS to kube-dns only', () => {
  const objects = synth('restricted');
  expect(find(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const dns = find(objects, 'NetworkPolicy', 'allow-dns').spec;
  expect(dns.policyTypes).toEqual(['Egress']);
  expect(dns.egress[0].to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
  expect(dns.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
});

test('the storage class keeps volumes when their claims are deleted', () => {
  expect(find(synth('restricted'), 'StorageClass', 'keep')).toMatchObject({
    provisioner: 'rancher.io/local-path', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer',
  });
});
