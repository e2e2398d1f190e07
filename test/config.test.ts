import { ConfigError, KNOBS, SERVICES, loadConfig, portOf, processConfig } from '../lib/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  test('the seed table, with no environment', () => {
    const { sizing } = loadConfig({});
    const table = Object.fromEntries(SERVICES.map(s => [s, [
      sizing[s].replicas,
      sizing[s].resources.requests.memory, sizing[s].resources.limits.memory,
      sizing[s].resources.requests.cpu, sizing[s].resources.limits.cpu,
    ]]));
    expect(table).toEqual({
      MONGODB: [1, '2Gi', '4Gi', '500m', '1000m'],
      REDIS: [1, '512Mi', '1Gi', '250m', '500m'],
      POSTGRES: [1, '256Mi', '512Mi', '250m', '500m'],
      COLYSEUS: [2, '512Mi', '1Gi', '500m', '1000m'],
      JUDGE0_SERVER: [2, '512Mi', '1Gi', '500m', '1000m'],
      JUDGE0_WORKER: [2, '1Gi', '2Gi', '1000m', '2000m'],
      BOTS: [2, '256Mi', '512Mi', '250m', '500m'],
    });
  });

  test('the other knobs', () => {
    const config = loadConfig({});
    expect(config.storage).toEqual({
      className: 'codeclashers-retain', createClass: true, provisioner: 'rancher.io/local-path', mongodbSize: '10Gi', redisSize: '2Gi',
    });
    expect(config.matchSeconds).toBe(900);
    expect(config.judge0).toEqual({ mode: 'cluster', limits: 'per-process', authHeader: 'X-Auth-Token', workersPerPod: 2 });
    expect(config.node).toEqual({ cpu: '4', memory: '24Gi' });
    expect(config.images.colyseus).toMatch(/:[\w.-]+$/);
    expect(config.images.colyseus).not.toMatch(/:latest$/);
  });

  test('an empty or blank value means the default (how unset GitHub variables arrive)', () => {
    expect(loadConfig({ K8S_COLYSEUS_REPLICAS: '', K8S_REDIS_MEMORY_LIMIT: '  ' })).toEqual(loadConfig({}));
  });

  test('every knob has a documented default that itself validates', () => {
    const env = Object.fromEntries(KNOBS.map(k => [k.name, k.default]));
    expect(loadConfig(env)).toEqual(loadConfig({}));
    for (const knob of KNOBS) expect(knob.doc.length).toBeGreaterThan(5);
  });
});

describe('overrides', () => {
  test('are applied', () => {
    const config = loadConfig({
      K8S_COLYSEUS_REPLICAS: '3', K8S_COLYSEUS_CPU_REQUEST: '0.25', K8S_BOTS_MEMORY_LIMIT: '1Gi',
      K8S_STORAGE_CLASS: 'longhorn', K8S_JUDGE0_MODE: 'off', K8S_JUDGE0_LIMITS: 'cgroup', K8S_MONGODB_ALLOWED_CIDRS: '203.0.113.0/24, 198.51.100.7/32',
      COLYSEUS_IMAGE: 'ghcr.io/acme/codeclashers-colyseus:0123abc',
    });
    expect(config.sizing.COLYSEUS.replicas).toBe(3);
    expect(config.sizing.COLYSEUS.resources.requests.cpu).toBe('0.25');
    expect(config.sizing.BOTS.resources.limits.memory).toBe('1Gi');
    expect(config.storage).toMatchObject({ className: 'longhorn', createClass: false });
    expect(config.judge0).toMatchObject({ mode: 'off', limits: 'cgroup' });
    expect(config.mongodbAllowedCidrs).toEqual(['203.0.113.0/24', '198.51.100.7/32']);
    expect(config.images.colyseus).toBe('ghcr.io/acme/codeclashers-colyseus:0123abc');
  });

  test('a digest is a valid image reference', () => {
    const digest = `ghcr.io/acme/bots@sha256:${'a'.repeat(64)}`;
    expect(loadConfig({ BOTS_IMAGE: digest }).images.bots).toBe(digest);
  });
});

describe('bad input: one line that names the variable, the value and the accepted form', () => {
  test.each([
    ['K8S_COLYSEUS_REPLICAS', '0', 'a whole number >= 1'],
    ['K8S_COLYSEUS_REPLICAS', '2.5', 'a whole number >= 1'],
    ['K8S_BOTS_REPLICAS', 'two', 'a whole number >= 1'],
    ['K8S_REDIS_CPU_LIMIT', 'lots', 'a Kubernetes CPU quantity'],
    ['K8S_REDIS_CPU_LIMIT', '-1', 'a Kubernetes CPU quantity'],
    ['K8S_MONGODB_MEMORY_REQUEST', '2GB', 'a Kubernetes memory quantity'],
    ['K8S_MONGODB_MEMORY_LIMIT', '512m', 'a Kubernetes memory quantity'],
    ['K8S_REDIS_STORAGE_SIZE', '10 Gi', 'a Kubernetes storage quantity'],
    ['K8S_MATCH_SECONDS', '15m', 'a whole number of seconds'],
    ['K8S_JUDGE0_MODE', 'yes', 'cluster, external, off'],
    ['K8S_JUDGE0_MODE', 'Cluster', 'cluster, external, off'],
    ['K8S_JUDGE0_LIMITS', 'cgroups', 'per-process, cgroup'],
    ['K8S_JUDGE0_URL', 'ftp://judge0.example.com', 'an absolute http(s) URL'],
    ['K8S_JUDGE0_URL', 'https://user:pw@judge0.example.com', 'without credentials'],
    ['K8S_JUDGE0_URL', 'judge0.example.com', 'an absolute http(s) URL'],
    ['K8S_JUDGE0_AUTH_HEADER', 'X Auth', 'an HTTP header name'],
    ['K8S_JUDGE0_CIDR', '10.0.0.0/33', 'one IPv4 CIDR inside 10.0.0.0/8'],
    ['K8S_JUDGE0_CIDR', '10.0.0.7', 'one IPv4 CIDR inside 10.0.0.0/8'],
    ['K8S_JUDGE0_CIDR', '0.0.0.0/0', 'one IPv4 CIDR inside 10.0.0.0/8'],
    ['K8S_JUDGE0_CIDR', '169.254.0.0/16', 'one IPv4 CIDR inside 10.0.0.0/8'],
    ['K8S_JUDGE0_CIDR', '8.8.8.0/24', 'one IPv4 CIDR inside 10.0.0.0/8'],
    ['K8S_STORAGE_CLASS', 'Local_Path', 'a lowercase DNS name'],
    ['K8S_MONGODB_ALLOWED_CIDRS', '10.0.0.0/33', 'comma-separated IPv4 CIDRs'],
    ['K8S_MONGODB_ALLOWED_CIDRS', '1.2.3.4', 'comma-separated IPv4 CIDRs'],
    ['COLYSEUS_IMAGE', 'ghcr.io/acme/colyseus:latest', 'never :latest'],
    ['BOTS_IMAGE', 'ghcr.io/acme/bots', 'registry/name:tag'],
  ])('%s=%s', (name, value, accepted) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${name}=${JSON.stringify(value)}`);
    expect(problems[0]).toContain(accepted);
    expect(problems[0]).not.toContain('\n');
  });

  test.each(['MONGODB', 'REDIS', 'POSTGRES'])('%s runs standalone: more replicas are refused with the reason', svc => {
    const [problem] = problemsOf({ [`K8S_${svc}_REPLICAS`]: '2' });
    expect(problem).toContain(`K8S_${svc}_REPLICAS=2`);
    expect(problem).toContain('accepted: 1');
    expect(problem).toContain('split the data');
  });

  test('a request above its limit names both variables', () => {
    const [problem] = problemsOf({ K8S_COLYSEUS_CPU_REQUEST: '2', K8S_COLYSEUS_CPU_LIMIT: '1500m' });
    expect(problem).toBe('K8S_COLYSEUS_CPU_REQUEST=2 is more than K8S_COLYSEUS_CPU_LIMIT=1500m; accepted: a request <= its limit');
    expect(problemsOf({ K8S_BOTS_MEMORY_REQUEST: '1Gi' })[0]).toContain('K8S_BOTS_MEMORY_LIMIT=512Mi');
  });

  test('a request equal to its limit in other units is fine', () => {
    expect(() => loadConfig({ K8S_COLYSEUS_CPU_REQUEST: '1', K8S_COLYSEUS_MEMORY_REQUEST: '1024Mi' })).not.toThrow();
  });

  test('an unknown K8S_ variable names the closest known one', () => {
    expect(problemsOf({ K8S_COLYSEUS_REPLICA: '3' })).toEqual([
      'K8S_COLYSEUS_REPLICA is not a known setting; did you mean K8S_COLYSEUS_REPLICAS? (all settings: README.md, "Configuration")',
    ]);
    expect(problemsOf({ K8S_JUDGE_SERVER_CPU_LIMIT: '1' })[0]).toContain('did you mean K8S_JUDGE0_SERVER_CPU_LIMIT?');
  });

  test('variables without the K8S_ prefix are not ours and are ignored', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', COLYSEUS_URL: 'x' })).not.toThrow();
  });

  test('every problem is reported at once', () => {
    expect(problemsOf({ K8S_REDIS_REPLICAS: '3', K8S_BOTS_CPU_LIMIT: 'x', K8S_NOPE: '1' })).toHaveLength(3);
  });
});

describe('Judge0 modes', () => {
  const external = (env: Record<string, string>) => ({ K8S_JUDGE0_MODE: 'external', ...env });

  test('K8S_JUDGE0_ENABLED is refused with one line that names its replacement', () => {
    for (const value of ['false', 'true']) {
      const problems = problemsOf({ K8S_JUDGE0_ENABLED: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`K8S_JUDGE0_ENABLED="${value}"`);
      expect(problems[0]).toContain('K8S_JUDGE0_MODE=cluster, external or off');
    }
    // An unset repository variable arrives empty: nothing to refuse.
    expect(loadConfig({ K8S_JUDGE0_ENABLED: '' }).judge0.mode).toBe('cluster');
  });

  test('external with a public https URL: the header defaults, no range', () => {
    expect(loadConfig(external({ K8S_JUDGE0_URL: 'https://judge0-ce.p.rapidapi.com' })).judge0).toEqual({
      mode: 'external', limits: 'per-process', url: 'https://judge0-ce.p.rapidapi.com', authHeader: 'X-Auth-Token', workersPerPod: 2,
    });
    expect(loadConfig(external({ K8S_JUDGE0_URL: 'https://judge0.example.com/', K8S_JUDGE0_AUTH_HEADER: 'X-RapidAPI-Key' })).judge0.authHeader)
      .toBe('X-RapidAPI-Key');
  });

  test('external with a private Judge0 on another VM: plain http inside K8S_JUDGE0_CIDR', () => {
    const { judge0 } = loadConfig(external({ K8S_JUDGE0_URL: 'http://10.0.1.17:2358', K8S_JUDGE0_CIDR: '10.0.1.0/24' }));
    expect(judge0).toMatchObject({ url: 'http://10.0.1.17:2358', cidr: '10.0.1.0/24' });
    expect(portOf(judge0.url!)).toBe(2358);
    expect(portOf('https://judge0.example.com')).toBe(443);
  });

  test.each([
    [{}, 'K8S_JUDGE0_URL is required with K8S_JUDGE0_MODE=external; accepted: an absolute http(s) URL'],
    [{ K8S_JUDGE0_URL: 'http://judge0.example.com' }, 'K8S_JUDGE0_URL="http://judge0.example.com" is plain http to a public or named host; accepted: https://<public host>'],
    [{ K8S_JUDGE0_URL: 'http://203.0.113.9:2358' }, 'K8S_JUDGE0_URL="http://203.0.113.9:2358" is plain http to a public or named host'],
    [{ K8S_JUDGE0_URL: 'https://judge0.example.com:8443' }, 'uses port 8443; accepted: https on port 443'],
    [{ K8S_JUDGE0_URL: 'http://10.0.1.17:2358' }, 'K8S_JUDGE0_URL="http://10.0.1.17:2358" is a private address outside K8S_JUDGE0_CIDR unset; accepted: K8S_JUDGE0_CIDR set to the private range that holds 10.0.1.17, such as 10.0.1.0/24'],
    [{ K8S_JUDGE0_URL: 'http://10.0.2.17:2358', K8S_JUDGE0_CIDR: '10.0.1.0/24' }, 'K8S_JUDGE0_URL="http://10.0.2.17:2358" is outside K8S_JUDGE0_CIDR=10.0.1.0/24; accepted: http(s)://<address inside 10.0.1.0/24>'],
    [{ K8S_JUDGE0_URL: 'https://judge0.example.com', K8S_JUDGE0_CIDR: '10.0.1.0/24' }, 'is outside K8S_JUDGE0_CIDR=10.0.1.0/24'],
    [{ K8S_JUDGE0_URL: 'http://169.254.169.254/' }, 'is a private address outside K8S_JUDGE0_CIDR unset'],
  ])('external %o is refused with one line', (env, message) => {
    const problems = problemsOf(external(env as Record<string, string>));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
    expect(problems[0]).not.toContain('\n');
  });

  test.each(['cluster', 'off'])('the external settings are refused in mode %s (a forgotten K8S_JUDGE0_MODE)', mode => {
    const problems = problemsOf({ K8S_JUDGE0_MODE: mode, K8S_JUDGE0_URL: 'https://judge0.example.com', K8S_JUDGE0_CIDR: '10.0.1.0/24' });
    expect(problems).toEqual([
      `K8S_JUDGE0_URL="https://judge0.example.com" is set, but only K8S_JUDGE0_MODE=external uses it (mode is ${mode}); accepted: unset, or K8S_JUDGE0_MODE=external`,
      `K8S_JUDGE0_CIDR="10.0.1.0/24" is set, but only K8S_JUDGE0_MODE=external uses it (mode is ${mode}); accepted: unset, or K8S_JUDGE0_MODE=external`,
    ]);
  });
});

describe('processConfig', () => {
  test('parses the environment once per process, and again only for another environment', () => {
    const env = { K8S_COLYSEUS_REPLICAS: '3' };
    const first = processConfig(env);
    expect(processConfig(env)).toBe(first);
    expect(first.sizing.COLYSEUS.replicas).toBe(3);
    expect(processConfig({}).sizing.COLYSEUS.replicas).toBe(2);
  });

  test('an environment changed in place is read again', () => {
    const env: Record<string, string> = { K8S_BOTS_REPLICAS: '1' };
    expect(processConfig(env).sizing.BOTS.replicas).toBe(1);
    env.K8S_BOTS_REPLICAS = '4';
    expect(processConfig(env).sizing.BOTS.replicas).toBe(4);
  });

  test('a bad environment throws every time', () => {
    const env = { K8S_JUDGE0_MODE: 'judge' };
    expect(() => processConfig(env)).toThrow(ConfigError);
    expect(() => processConfig(env)).toThrow(ConfigError);
  });
});
