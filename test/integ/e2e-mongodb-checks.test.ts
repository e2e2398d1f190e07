// Scenario (a2)'s subprocess: scripts/mongodb/checks.ts run with the frontend's URI, the
// cluster's CA as a file and K8S_MONGODB_TLS. Its checks need a real mongod, which cannot run
// here, so a stand-in follows its contract as its header and main block state: reads MONGODB_URI,
// MONGODB_CA_FILE (a PEM file), K8S_MONGODB_TLS (default require); exit 2 with one `error:` line
// when one is missing; one `ok  `/`FAIL` line per check, never a value; exit 1 if any failed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runMongodbChecks } from '../../scripts/e2e/scenarios/a2-mongodb-exposure';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBstandin\n-----END CERTIFICATE-----\n';
const URI = 'mongodb://frontend_1:s3cr3t@127.0.0.1:32017/codeclashers?authSource=codeclashers&tls=true';

function standIn(plainRefused: boolean): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-checks-')), 'checks.ts');
  fs.writeFileSync(file, `import * as fs from 'fs';
const mode = process.env.K8S_MONGODB_TLS || 'require';
if (!process.env.MONGODB_URI || (mode !== 'off' && !process.env.MONGODB_CA_FILE)) {
  console.error('error: set MONGODB_URI, MONGODB_CA_FILE and K8S_MONGODB_TLS');
  process.exit(2);
}
const results = [
  { name: 'TLS with the CA works', ok: fs.readFileSync(process.env.MONGODB_CA_FILE!, 'utf8') === ${JSON.stringify(CA_PEM)} && process.env.MONGODB_URI === ${JSON.stringify(URI)} },
  { name: 'a plain connection is refused before any login', ok: ${plainRefused} && mode === 'require' },
];
for (const r of results) console.log((r.ok ? 'ok   ' : 'FAIL ') + r.name + ': ' + (r.ok ? 'fine' : 'not fine'));
console.log(process.env.MONGODB_CA_FILE);
process.exitCode = results.some(r => !r.ok) ? 1 : 0;
`);
  return file;
}

const secretReads: string[][] = [];
const kube: any = {
  json: async (args: string[]) => {
    secretReads.push(args);
    return { data: { 'ca.crt': Buffer.from(CA_PEM).toString('base64'), 'ca.key': 'never read' } };
  },
};
const ctx = { kube, root: path.resolve(__dirname, '../..'), env: {} as Record<string, string> };

test('the CA from Secret mongodb-ca goes to the checks as a file, with the frontend URI and TLS require; the file is removed after', async () => {
  const output = await runMongodbChecks(ctx, URI, standIn(true));
  expect(secretReads[0]).toEqual(['get', 'secret', 'mongodb-ca', '-n', 'codeclashers']);
  expect(output).toMatch(/^ok {3}TLS with the CA works: fine\nok {3}a plain connection is refused before any login: fine\n/);
  const caFile = output.split('\n').pop()!;
  expect(fs.existsSync(caFile)).toBe(false);
}, 60_000);

test('a failed check fails the scenario, naming it', async () => {
  await expect(runMongodbChecks(ctx, URI, standIn(false)))
    .rejects.toThrow(/^scripts\/mongodb\/checks\.ts exited 1: FAIL a plain connection is refused before any login: not fine$/);
}, 60_000);

test('by default the real scripts/mongodb/checks.ts runs: without the frontend URI it refuses with its one error line, which the scenario reports', async () => {
  await expect(runMongodbChecks(ctx, ''))
    .rejects.toThrow(/^scripts\/mongodb\/checks\.ts exited 2: error: set MONGODB_URI \(the frontend's\)/);
}, 60_000);
