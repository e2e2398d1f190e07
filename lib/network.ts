// Network lanes: who may talk to whom, on which port. The backend declares every lane once, in
// one table (lib/codeclashers-backend.ts), from the workloads it actually deploys; each workload's
// NetworkPolicy is derived from that table, and so is the architecture diagram. The namespace
// denies everything else (CodeClashersNamespace).
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { LINK_LOCAL, PRIVATE_RANGES } from './ipv4';
import { selectorFor } from './labels';

/** Where a Service answers: its name and port. Stores and servers expose one. */
export interface Endpoint {
  /** Name of the Service (its DNS name inside the namespace). */
  readonly service: string;
  readonly port: number;
}

/** Something outside the namespace, by its addresses. */
export interface Outside {
  /** What it is, for people: `players`, `public internet`. */
  readonly outside: string;
  /** Its addresses. @default anywhere */
  readonly peers?: k8s.NetworkPolicyPeer[];
}

/** One end of a lane: a workload of the namespace (by name) or something outside it. */
export type Party = string | Outside;

/** One permitted connection: `from` may open TCP connections to `to` on `port`. */
export interface Lane {
  readonly from: Party;
  readonly to: Party;
  readonly port: number;
  /** Why the lane exists. */
  readonly why: string;
}

/**
 * Public internet addresses only: private ranges (the cluster, the VCN), carrier-grade NAT and
 * link-local (169.254.169.254, the cloud metadata service that hands out instance credentials) are cut out.
 */
export const PUBLIC_INTERNET: k8s.NetworkPolicyPeer = {
  ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES.slice(0, 3), LINK_LOCAL, PRIVATE_RANGES[3]] },
};

/** Pods of workload `name` in this namespace. */
export function podsOf(name: string): k8s.NetworkPolicyPeer {
  return { podSelector: { matchLabels: selectorFor(name) } };
}

export function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** Name of a party, as the diagram and error messages show it. */
export function nameOf(party: Party): string {
  return typeof party === 'string' ? party : party.outside;
}

function peersOf(party: Party): k8s.NetworkPolicyPeer[] | undefined {
  return typeof party === 'string' ? [podsOf(party)] : party.peers;
}

/**
 * Checks that every lane joins workloads that are deployed.
 * @throws Error naming the lane and the missing workload
 */
export function checkLanes(lanes: readonly Lane[], deployed: readonly string[]): void {
  for (const lane of lanes) {
    for (const party of [lane.from, lane.to]) {
      if (typeof party === 'string' && !deployed.includes(party)) {
        throw new Error(`lane ${nameOf(lane.from)} -> ${nameOf(lane.to)}:${lane.port} names workload ${party}, which is not deployed (deployed: ${deployed.join(', ')})`);
      }
    }
  }
}

/** Rules for the lanes whose far end is given by `far`: one rule per port, peers in lane order. */
function rulesOf(lanes: readonly Lane[], far: (l: Lane) => Party): { peers?: k8s.NetworkPolicyPeer[]; port: number }[] {
  const byPort = new Map<number, { anywhere: boolean; peers: k8s.NetworkPolicyPeer[] }>();
  for (const lane of lanes) {
    const rule = byPort.get(lane.port) ?? { anywhere: false, peers: [] };
    byPort.set(lane.port, rule);
    const peers = peersOf(far(lane));
    if (!peers) rule.anywhere = true;
    for (const peer of peers ?? []) {
      if (!rule.peers.some(p => JSON.stringify(p) === JSON.stringify(peer))) rule.peers.push(peer);
    }
  }
  return [...byPort].map(([port, rule]) => ({ port, peers: rule.anywhere ? undefined : rule.peers }));
}

/**
 * The NetworkPolicy of workload `name`: ingress from every lane that ends at it, egress to every
 * lane that starts at it (plus DNS, from the namespace baseline); nothing else.
 */
export function lanePolicy(scope: Construct, name: string, lanes: readonly Lane[]): k8s.KubeNetworkPolicy {
  const ingress = rulesOf(lanes.filter(l => l.to === name), l => l.from);
  const egress = rulesOf(lanes.filter(l => l.from === name), l => l.to);
  return new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
    metadata: { name },
    spec: {
      podSelector: { matchLabels: selectorFor(name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingress.map(r => ({ from: r.peers, ports: [tcp(r.port)] })),
      egress: egress.map(r => ({ to: r.peers, ports: [tcp(r.port)] })),
    },
  });
}
