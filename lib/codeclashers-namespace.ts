import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { NAMESPACE, PART_OF } from './labels';

export interface CodeClashersNamespaceProps {
  /**
   * Pod Security Standard the namespace enforces: the strictest one every workload meets.
   * Judge0's worker is privileged, so with Judge0 this can only be `privileged`.
   */
  readonly enforce: 'privileged' | 'baseline' | 'restricted';
}

/**
 * Namespace `codeclashers` with Pod Security Admission labels, and the namespace's network
 * baseline: all traffic denied except DNS. Each workload opens its own lanes (lib/network.ts).
 */
export class CodeClashersNamespace extends Construct {
  constructor(scope: Construct, id: string, props: CodeClashersNamespaceProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/part-of': PART_OF };

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: NAMESPACE,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': props.enforce,
          // Everything except the exempt worker meets `restricted`: any regression is reported.
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: NAMESPACE, labels },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns', namespace: NAMESPACE, labels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          }],
          ports: [
            { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
            { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
          ],
        }],
      },
    });
  }
}
