// The lane table (lib/codeclashers-backend.ts) and the NetworkPolicies derived from it, per
// Judge0 mode: every lane joins deployed workloads, and each policy opens exactly its lanes.
import { Testing } from 'cdk8s';
import { Manifest, selects, workloadsOf } from '../lib/manifest';
import { Lane, PUBLIC_INTERNET, checkLanes, lanePolicy, podsOf } from '../lib/network';
import { JUDGE0_MODES, buildBackend, envOf, find, testChart, workload } from './util';

const tcp = (port: number) => [{ protocol: 'TCP', port }];

describe.each(Object.entries(JUDGE0_MODES))('Judge0 %s', (_, env) => {
  const { objects, lanes } = buildBackend(env);
  const workloads = workloadsOf(objects);
  const policies = objects.filter(o => o.kind === 'NetworkPolicy');

  test('no lane names a workload that is not deployed', () => {
    const deployed = workloads.map(w => w.object.metadata.name);
    for (const lane of lanes) {
      for (const end of [lane.from, lane.to]) if (typeof end === 'string') expect([end, deployed.includes(end)]).toEqual([end, true]);
    }
  });

  test('no NetworkPolicy points at pods that do not exist', () => {
    for (const policy of policies) {
      const rules = [...(policy.spec.ingress ?? []).map((r: any) => r.from), ...(policy.spec.egress ?? []).map((r: any) => r.to)];
      for (const peer of rules.flat().filter((p: any) => p?.podSelector && !p.namespaceSelector)) {
        const matched = workloads.filter(w => selects(peer.podSelector, w.podLabels));
        expect([policy.metadata.name, peer.podSelector.matchLabels, matched.length]).toEqual([policy.metadata.name, peer.podSelector.matchLabels, 1]);
      }
    }
  });

  test('every workload has its own policy, and only workloads have one (besides the namespace baseline)', () => {
    const own = policies.filter(p => Object.keys(p.spec.podSelector.matchLabels ?? {}).length).map(p => p.metadata.name).sort();
    expect(own).toEqual(workloads.map(w => w.object.metadata.name).sort());
  });

  test('each policy is exactly its lanes: ingress from lanes that end there, egress to lanes that start there', () => {
    for (const w of workloads) {
      const name = w.object.metadata.name;
      const policy = find(objects, 'NetworkPolicy', name);
      const ports = (rules: any[]) => [...new Set(rules.map((r: any) => r.ports[0].port))].sort();
      const lanePorts = (ls: Lane[]) => [...new Set(ls.map(l => l.port))].sort();
      expect([name, ports(policy.spec.ingress)]).toEqual([name, lanePorts(lanes.filter(l => l.to === name))]);
      expect([name, ports(policy.spec.egress)]).toEqual([name, lanePorts(lanes.filter(l => l.from === name))]);
    }
  });

  test('nothing in the output mentions a Judge0 part that is not deployed', () => {
    const deployed = new Set(workloads.map(w => w.object.metadata.name));
    const text = JSON.stringify(objects);
    for (const part of ['judge0-server', 'judge0-worker', 'postgres']) {
      if (!deployed.has(part)) expect([part, text.includes(`"${part}"`) || text.includes(`//${part}:`)]).toEqual([part, false]);
    }
  });
});

describe('the lanes each mode opens', () => {
  const egressOf = (objects: Manifest[], name: string) => find(objects, 'NetworkPolicy', name).spec.egress;
  const cluster = buildBackend(JUDGE0_MODES.cluster).objects;
  const off = buildBackend(JUDGE0_MODES.off).objects;

  test('cluster: Colyseus -> judge0-server 2358; server and worker -> Redis and PostgreSQL only; the worker takes no connection', () => {
    expect(egressOf(cluster, 'colyseus')).toContainEqual({ to: [podsOf('judge0-server')], ports: tcp(2358) });
    expect(find(cluster, 'NetworkPolicy', 'judge0-server').spec.ingress).toEqual([{ from: [podsOf('colyseus')], ports: tcp(2358) }]);
    for (const name of ['judge0-server', 'judge0-worker']) {
      expect(egressOf(cluster, name)).toEqual([{ to: [podsOf('redis')], ports: tcp(6379) }, { to: [podsOf('postgres')], ports: tcp(5432) }]);
    }
    expect(find(cluster, 'NetworkPolicy', 'judge0-worker').spec.ingress).toEqual([]);
    expect(find(cluster, 'NetworkPolicy', 'postgres').spec.ingress).toEqual([{ from: [podsOf('judge0-server'), podsOf('judge0-worker')], ports: tcp(5432) }]);
    expect(find(cluster, 'NetworkPolicy', 'redis').spec.ingress).toEqual([{
      from: ['colyseus', 'bots', 'judge0-server', 'judge0-worker'].map(podsOf), ports: tcp(6379),
    }]);
  });

  test('off: Colyseus egress is stores, its replicas and public HTTPS; Redis serves only Colyseus and bots', () => {
    expect(egressOf(off, 'colyseus')).toEqual([
      { to: [podsOf('redis')], ports: tcp(6379) },
      { to: [podsOf('mongodb')], ports: tcp(27017) },
      { to: [podsOf('colyseus')], ports: tcp(2567) },
      { to: [PUBLIC_INTERNET], ports: tcp(443) },
    ]);
    expect(find(off, 'NetworkPolicy', 'redis').spec.ingress).toEqual([{ from: [podsOf('colyseus'), podsOf('bots')], ports: tcp(6379) }]);
  });

  test('external on public https: nothing more than off (public 443 is already allowed)', () => {
    const external = buildBackend(JUDGE0_MODES['external (public https)']).objects;
    expect(egressOf(external, 'colyseus')).toEqual(egressOf(off, 'colyseus'));
  });

  test('external on another VM: a lane to K8S_JUDGE0_CIDR on the URL\'s port, nothing wider', () => {
    const external = buildBackend(JUDGE0_MODES['external (private VM)']).objects;
    const egress = egressOf(external, 'colyseus');
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.1.0/24' } }], ports: tcp(2358) });
    expect(egress.filter((r: any) => !egressOf(off, 'colyseus').some((o: any) => JSON.stringify(o) === JSON.stringify(r)))).toHaveLength(1);
  });

  test('the public internet excludes private ranges and the metadata service', () => {
    expect(PUBLIC_INTERNET.ipBlock!.except).toEqual(expect.arrayContaining(['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']));
  });

  test('players reach Colyseus from anywhere; MongoDB only from its clients and K8S_MONGODB_ALLOWED_CIDRS', () => {
    expect(find(cluster, 'NetworkPolicy', 'colyseus').spec.ingress).toEqual([{ ports: tcp(2567) }]);
    const narrowed = buildBackend({ K8S_MONGODB_ALLOWED_CIDRS: '203.0.113.0/24' }).objects;
    expect(find(narrowed, 'NetworkPolicy', 'mongodb').spec).toMatchObject({
      ingress: [{ from: [podsOf('colyseus'), { ipBlock: { cidr: '203.0.113.0/24' } }], ports: tcp(27017) }],
      egress: [],
    });
  });

  test('bots: no ingress; out to Colyseus, Redis and public HTTPS', () => {
    const policy = find(cluster, 'NetworkPolicy', 'bots');
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([
      { to: [podsOf('colyseus')], ports: tcp(2567) }, { to: [podsOf('redis')], ports: tcp(6379) }, { to: [PUBLIC_INTERNET], ports: tcp(443) },
    ]);
  });
});

describe('Colyseus\'s Judge0 settings per mode', () => {
  const judge0Env = (env: Record<string, string>) => {
    const all = envOf(workload(buildBackend(env).objects, 'colyseus').containers[0]);
    return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('JUDGE0_')).map(([k, v]: [string, any]) => [k, v.value ?? `secret:${v.valueFrom.secretKeyRef.key}`]));
  };

  test('cluster: the in-cluster server, X-Auth-Token, INTERNAL_SERVICE_SECRET', () => {
    expect(judge0Env(JUDGE0_MODES.cluster)).toEqual({
      JUDGE0_URL: 'http://judge0-server:2358', JUDGE0_AUTH_HEADER: 'X-Auth-Token', JUDGE0_AUTH_TOKEN: 'secret:INTERNAL_SERVICE_SECRET',
    });
  });

  test('external: the URL and header configured, the key from JUDGE0_API_KEY', () => {
    expect(judge0Env(JUDGE0_MODES['external (public https)'])).toEqual({
      JUDGE0_URL: 'https://judge0-ce.p.rapidapi.com', JUDGE0_AUTH_HEADER: 'X-RapidAPI-Key', JUDGE0_AUTH_TOKEN: 'secret:JUDGE0_API_KEY',
    });
  });

  test('off: none', () => {
    expect(judge0Env(JUDGE0_MODES.off)).toEqual({});
  });
});

describe('lanePolicy and checkLanes', () => {
  test('a lane to a workload that is not deployed is refused, naming it', () => {
    const lanes: Lane[] = [{ from: 'colyseus', to: 'judge0-server', port: 2358, why: 'x' }];
    expect(() => checkLanes(lanes, ['colyseus', 'redis'])).toThrow('lane colyseus -> judge0-server:2358 names workload judge0-server, which is not deployed');
    expect(() => checkLanes(lanes, ['colyseus', 'judge0-server'])).not.toThrow();
  });

  test('lanes on one port share a rule; "anywhere" wins over listed peers; outside peers are deduplicated', () => {
    const chart = testChart();
    const lanes: Lane[] = [
      { from: 'a', to: 'b', port: 1, why: '' },
      { from: 'c', to: 'b', port: 1, why: '' },
      { from: { outside: 'anyone' }, to: 'b', port: 2, why: '' },
      { from: 'b', to: 'b', port: 2, why: '' },
      { from: 'b', to: { outside: 'S3', peers: [PUBLIC_INTERNET] }, port: 443, why: '' },
      { from: 'b', to: { outside: 'OpenAI', peers: [PUBLIC_INTERNET] }, port: 443, why: '' },
    ];
    lanePolicy(chart, 'b', lanes);
    expect(Testing.synth(chart)[0].spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'b' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [podsOf('a'), podsOf('c')], ports: tcp(1) }, { ports: tcp(2) }],
      egress: [{ to: [podsOf('b')], ports: tcp(2) }, { to: [PUBLIC_INTERNET], ports: tcp(443) }],
    });
  });
});
