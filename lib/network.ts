// NetworkPolicy building blocks. The namespace denies all traffic by default
// (CodeClashersNamespace); each workload then opens exactly its own lane with `allowTraffic`.
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { selectorFor } from './labels';

/** Pods of workload `name` in this namespace. */
export function podsOf(name: string): k8s.NetworkPolicyPeer {
  return { podSelector: { matchLabels: selectorFor(name) } };
}

/**
 * Public internet addresses only: private ranges (the cluster, the VCN) and link-local
 * (169.254.169.254, the cloud metadata service that hands out instance credentials) are cut out.
 */
export const PUBLIC_INTERNET: k8s.NetworkPolicyPeer = {
  ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] },
};

export function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** A rule: traffic from/to `peers` (omitted: any source) on `ports`. */
export interface Lane {
  readonly peers?: k8s.NetworkPolicyPeer[];
  readonly ports: k8s.NetworkPolicyPort[];
}

export interface TrafficProps {
  /** Workload whose pods this policy selects. */
  readonly name: string;
  /** Who may connect to these pods. @default nobody */
  readonly ingress?: Lane[];
  /** Where these pods may connect, besides DNS. @default nowhere */
  readonly egress?: Lane[];
}

/** Opens exactly the listed lanes for one workload's pods; everything else stays denied. */
export function allowTraffic(scope: Construct, props: TrafficProps): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
    metadata: { name: props.name },
    spec: {
      podSelector: { matchLabels: selectorFor(props.name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: (props.ingress ?? []).map(l => ({ from: l.peers, ports: l.ports })),
      egress: (props.egress ?? []).map(l => ({ to: l.peers, ports: l.ports })),
    },
  });
}
