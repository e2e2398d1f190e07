// ColyseusGameServer and BotService.
import { Testing } from 'cdk8s';
import { BotService } from '../lib/bot-service';
import { ColyseusGameServer } from '../lib/colyseus-game-server';
import { loadConfig } from '../lib/config';
import { Judge0Client } from '../lib/colyseus-game-server';
import { envOf, find, testChart } from './util';

const sizing = loadConfig({}).sizing;
const judge0: Judge0Client = { url: 'https://judge0.example.com', authHeader: 'X-RapidAPI-Key', tokenKey: 'JUDGE0_API_KEY' };

function synth(judge0Client?: Judge0Client) {
  const chart = testChart();
  const redis = { service: 'queue', port: 6380 };
  const colyseus = new ColyseusGameServer(chart, 'Colyseus', {
    sizing: sizing.COLYSEUS, image: 'ghcr.io/a/colyseus:1', matchSeconds: 300, redis, mongodb: { service: 'db', port: 27018, tls: 'require' }, judge0: judge0Client,
  });
  new BotService(chart, 'Bots', { sizing: sizing.BOTS, image: 'ghcr.io/a/bots:1', colyseus, redis });
  return Testing.synth(chart);
}

describe('ColyseusGameServer', () => {
  const objects = synth(judge0);
  const pod = find(objects, 'Deployment', 'colyseus').spec.template.spec;

  test('drains a whole match before it is killed, after leaving the Service', () => {
    expect(pod.terminationGracePeriodSeconds).toBe(360);
    expect(envOf(pod.containers[0]).MATCH_SECONDS.value).toBe('300');
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
  });

  test('knows its own pod address for cross-replica forwarding', () => {
    expect(envOf(pod.containers[0]).POD_IP.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
  });

  test('players reach it through a LoadBalancer that keeps their addresses', () => {
    const service = find(objects, 'Service', 'colyseus');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  });

  test('reaches the stores by the names and ports they expose; MongoDB as its own user, with TLS and the CA', () => {
    const env = envOf(pod.containers[0]);
    expect(env.REDIS_URL.value).toBe('redis://:$(REDIS_PASSWORD)@queue:6380/0');
    expect(env.MONGODB_URI.value).toBe('mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@db:27018/codeclashers?authSource=codeclashers&tls=true&tlsCAFile=/etc/mongodb-tls/ca.crt');
  });

  test('calls Judge0 at its URL with its header, the token from the given key', () => {
    const env = envOf(pod.containers[0]);
    expect(env.JUDGE0_URL.value).toBe('https://judge0.example.com');
    expect(env.JUDGE0_AUTH_HEADER.value).toBe('X-RapidAPI-Key');
    expect(env.JUDGE0_AUTH_TOKEN.valueFrom.secretKeyRef).toEqual({ name: 'app-secrets', key: 'JUDGE0_API_KEY' });
  });

  test('pulls the GHCR image with the long-lived pull secret', () => {
    expect(pod.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(pod.containers[0].image).toBe('ghcr.io/a/colyseus:1');
  });

  test('without Judge0 there is no JUDGE0_* variable at all', () => {
    const without = find(synth(), 'Deployment', 'colyseus').spec.template.spec.containers[0];
    expect(Object.keys(envOf(without)).filter(k => k.startsWith('JUDGE0_'))).toEqual([]);
  });
});

describe('BotService', () => {
  const objects = synth();
  const container = find(objects, 'Deployment', 'bots').spec.template.spec.containers[0];

  test('plays through the Colyseus Service like any client', () => {
    expect(envOf(container).COLYSEUS_URL.value).toBe('ws://colyseus:2567');
    expect(envOf(container).REDIS_URL.value).toBe('redis://:$(REDIS_PASSWORD)@queue:6380/0');
    expect(envOf(container).OPENAI_API_KEY.valueFrom.secretKeyRef.key).toBe('OPENAI_API_KEY');
  });

  test('no Service of its own', () => {
    expect(objects.filter((o: any) => o.kind === 'Service' && o.metadata.name === 'bots')).toEqual([]);
  });
});
