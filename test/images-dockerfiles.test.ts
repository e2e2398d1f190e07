// What the service Dockerfiles must keep: buildable by the classic builder (what runs on these
// machines), one workspace from the repository root, a pinned Node 26 base that a local stand-in
// can replace, and a final stage with production dependencies only.
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const rootPackage = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const SERVICES = ['colyseus', 'bots'];

/** Instructions (continuation lines joined, comments dropped), split into stages at FROM. */
function stagesOf(service: string): string[][] {
  const text = fs.readFileSync(path.join(root, 'backend', service, 'Dockerfile'), 'utf8');
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map(l => l.trim()).filter(l => l && !l.startsWith('#'));
  const stages: string[][] = [[]];
  for (const line of lines) {
    if (line.startsWith('FROM ')) stages.push([]);
    stages[stages.length - 1].push(line);
  }
  return stages;
}

describe.each(SERVICES)('backend/%s/Dockerfile', service => {
  const [globals, ...stages] = stagesOf(service);
  const final = stages[stages.length - 1];
  const all = stages.flat();

  test('a pinned Node base of the engines major, replaceable by a build argument', () => {
    const major = /(\d+)/.exec(rootPackage.engines.node)![1];
    expect(globals).toContainEqual(expect.stringMatching(new RegExp(`^ARG NODE_IMAGE=node:${major}\\.\\d+\\.\\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$`)));
    expect(globals).toContain('ARG BUILD_IMAGE=${NODE_IMAGE}');
    expect(final[0]).toBe('FROM ${NODE_IMAGE}');
  });

  test('the classic builder can build it: no RUN --mount, no # syntax= line', () => {
    const text = fs.readFileSync(path.join(root, 'backend', service, 'Dockerfile'), 'utf8');
    expect(text).not.toMatch(/RUN\s+--mount/);
    expect(text).not.toMatch(/^#\s*syntax=/m);
  });

  test('its workspace alone, from the root lockfile, with npm ci', () => {
    expect(all).toContain('COPY package.json package-lock.json ./');
    expect(all).toContain(`RUN npm ci --workspace backend/${service} --omit=dev --no-audit --no-fund`);
    for (const copy of all.filter(l => l.startsWith('COPY ') && !l.includes('--from'))) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(source).toMatch(new RegExp(`^(package(-lock)?\\.json|backend/${service}/.+)$`));
    }
  });

  test('the final stage: no npm ci, no compiler, not root, labelled, with a HEALTHCHECK and exec-form CMD', () => {
    expect(final.filter(l => l.startsWith('RUN '))).toEqual([]);
    expect(final).toContainEqual(expect.stringMatching(/^LABEL org\.opencontainers\.image\.source="\$\{SOURCE_URL\}"/));
    expect(final).toContain('USER node');
    expect(final).toContainEqual(expect.stringMatching(/^HEALTHCHECK .*CMD \["node", "-e", ".*\/healthz/));
    expect(final[final.length - 1]).toBe('CMD ["node", "dist/index.js"]');
    // node_modules comes from the stage that installed production dependencies only.
    expect(final).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(stages.find(s => s[0] === 'FROM ${BUILD_IMAGE} AS deps')).toContain(`RUN npm ci --workspace backend/${service} --omit=dev --no-audit --no-fund`);
  });
});

test('.dockerignore lets in the lockfile and the services\' sources only: no tests, no local files', () => {
  const patterns = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').filter(l => l.trim() && !l.startsWith('#'));
  expect(patterns[0]).toBe('**');
  const allowed = patterns.slice(1);
  for (const p of allowed) expect(p).toMatch(/^!(package\.json|package-lock\.json|backend\/(colyseus|bots)\/(package\.json|tsconfig\.json|src\/\*\*))$/);
  for (const service of SERVICES) {
    for (const file of ['package.json', 'tsconfig.json', 'src/**']) expect(allowed).toContain(`!backend/${service}/${file}`);
  }
});
