// ColyseusGameServer and BotService.
import { Testing } from 'cdk8s';
import { BotService } from '../lib/bot-service';
import { ColyseusGameServer } from '../lib/colyseus-game-server';
import { loadConfig } from '../lib/config';
import { PUBLIC_INTERNET, podsOf } from '../lib/network';
import { envOf, find, testChart } from './util';

const sizing = loadConfig({}).sizing;

function synth(judge0Url?: string) {
  const chart = testChart();
  new ColyseusGameServer(chart, 'Colyseus', { sizing: sizing.COLYSEUS, image: 'ghcr.io/a/colyseus:1', matchSeconds: 300, judge0Url });
  new BotService(chart, 'Bots', { sizing: sizing.BOTS, image: 'ghcr.io/a/bots:1' });
  return Testing.synth(chart);
}

describe('ColyseusGameServer', () => {
  const objects = synth('http://judge0-server:2358');
  const pod = find(objects, 'Deployment', 'colyseus').spec.template.spec;

  test('drains a whole match before it is killed, after leaving the Service', () => {
    expect(pod.terminationGracePeriodSeconds).toBe(360);
    expect(envOf(pod.containers[0]).MATCH_SECONDS.value).toBe('300');
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
  });

  test('knows its own pod address for cross-replica forwarding; replicas may reach each other', () => {
    expect(envOf(pod.containers[0]).POD_IP.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    const policy = find(objects, 'NetworkPolicy', 'colyseus');
    expect(policy.spec.egress).toContainEqual({ to: [podsOf('colyseus')], ports: [{ protocol: 'TCP', port: 2567 }] });
  });

  test('players from anywhere on 2567; out to stores, Judge0 and HTTPS only', () => {
    const policy = find(objects, 'NetworkPolicy', 'colyseus');
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 2567 }] }]);
    expect(policy.spec.egress).toContainEqual({ to: [PUBLIC_INTERNET], ports: [{ protocol: 'TCP', port: 443 }] });
    expect(PUBLIC_INTERNET.ipBlock!.except).toEqual(expect.arrayContaining(['169.254.0.0/16', '10.0.0.0/8']));
    const service = find(objects, 'Service', 'colyseus');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  });

  test('pulls the GHCR image with the long-lived pull secret', () => {
    expect(pod.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(pod.containers[0].image).toBe('ghcr.io/a/colyseus:1');
  });

  test('without Judge0 there is no JUDGE0_URL', () => {
    const without = find(synth(), 'Deployment', 'colyseus').spec.template.spec.containers[0];
    expect(envOf(without).JUDGE0_URL).toBeUndefined();
  });
});

describe('BotService', () => {
  const objects = synth();
  const container = find(objects, 'Deployment', 'bots').spec.template.spec.containers[0];

  test('plays through the Colyseus Service like any client', () => {
    expect(envOf(container).COLYSEUS_URL.value).toBe('ws://colyseus:2567');
    expect(envOf(container).OPENAI_API_KEY.valueFrom.secretKeyRef.key).toBe('OPENAI_API_KEY');
  });

  test('no Service of its own, no ingress; out to Colyseus, Redis and HTTPS', () => {
    expect(objects.filter((o: any) => o.kind === 'Service' && o.metadata.name === 'bots')).toEqual([]);
    const policy = find(objects, 'NetworkPolicy', 'bots');
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress.map((e: any) => e.ports[0].port)).toEqual([2567, 6379, 443]);
  });
});
