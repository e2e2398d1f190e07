// backend/docker-compose.yml runs the same stack locally: same images, same Judge0 lockdown,
// every variable the services require.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { JUDGE0_IMAGE } from '../lib/judge0-settings';
import { POSTGRES_IMAGE } from '../lib/judge0-database';
import { MONGODB_IMAGE } from '../lib/mongodb-store';
import { REDIS_IMAGE } from '../lib/redis-store';

const compose = parse(fs.readFileSync(path.join(__dirname, '../backend/docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services;

test('the official images and versions of the manifests', () => {
  expect(services.redis.image).toBe(REDIS_IMAGE);
  expect(services.mongodb.image).toBe(MONGODB_IMAGE);
  expect(services.postgres.image).toBe(POSTGRES_IMAGE);
  expect(services['judge0-server'].image).toBe(JUDGE0_IMAGE);
  expect(services['judge0-worker'].image).toBe(JUDGE0_IMAGE);
});

test('the two services are built from the repository root (one lockfile), each by its Dockerfile', () => {
  for (const svc of ['colyseus', 'bots']) {
    expect(services[svc].build).toEqual({ context: '..', dockerfile: `backend/${svc}/Dockerfile` });
    expect(fs.existsSync(path.join(__dirname, '../backend', svc, 'Dockerfile'))).toBe(true);
  }
  expect(fs.existsSync(path.join(__dirname, '../backend', services.colyseus.build.context, 'package-lock.json'))).toBe(true);
});

test('the bots wait for a healthy game server (the image\'s HEALTHCHECK)', () => {
  expect(services.bots.depends_on.colyseus).toEqual({ condition: 'service_healthy' });
});

test('every variable a service requires at start-up is set', () => {
  for (const name of ['REDIS_URL', 'COLYSEUS_RESERVATION_SECRET', 'BOT_SERVICE_SECRET', 'JUDGE0_URL', 'JUDGE0_AUTH_TOKEN', 'POD_IP']) {
    expect(services.colyseus.environment[name]).toBeTruthy();
  }
  for (const name of ['COLYSEUS_URL', 'REDIS_URL', 'BOT_SERVICE_SECRET']) expect(services.bots.environment[name]).toBeTruthy();
});

test('Judge0 is opt-in and locked down as in the cluster', () => {
  for (const svc of ['judge0-server', 'judge0-worker', 'postgres']) expect(services[svc].profiles).toEqual(['judge0']);
  const env = services['judge0-server'].environment;
  expect([env.ALLOW_ENABLE_NETWORK, env.ENABLE_CALLBACKS, env.ENABLE_WAIT_RESULT]).toEqual(['false', 'false', 'false']);
  expect(env.AUTHN_TOKEN).toContain('INTERNAL_SERVICE_SECRET');
  expect(services['judge0-worker'].privileged).toBe(true);
  expect(services['judge0-server'].privileged).toBeUndefined();
  expect(services['judge0-worker'].environment.AUTHN_TOKEN).toBe(env.AUTHN_TOKEN);
});
