import { Judge0Client } from '../src/judge0';
import { JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB, LANGUAGES, languageById } from '../src/languages';
import { PROBLEMS, problemById } from '../src/problems';
import { JUDGE0_TOKEN } from './harness';
import { Judge0StandIn } from './judge0-stand-in';

const PYTHON = languageById(71)!;
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
beforeAll(() => judge0.start());
afterAll(() => judge0.stop());
beforeEach(() => {
  judge0.mode = 'normal';
  judge0.holdStdin = undefined;
  judge0.requests.length = 0;
});

const client = (options: Partial<ConstructorParameters<typeof Judge0Client>[0]> = {}) =>
  new Judge0Client({ url: judge0.url, token: JUDGE0_TOKEN, pollMs: 50, ...options });
const sum = problemById('sum-of-two')!;

test.each(PROBLEMS.map(p => [p.id]))('the reference solution of %s passes every hidden test', async id => {
  const problem = problemById(id)!;
  expect(await client().judge(problem.reference.source, languageById(problem.reference.languageId)!, problem.tests))
    .toEqual({ kind: 'accepted', passed: 3, total: 3 });
});

test('a wrong answer is rejected with Judge0\'s status', async () => {
  const verdict = await client().judge('print(3)', PYTHON, sum.tests);
  expect(verdict).toMatchObject({ kind: 'rejected', total: 3, status: 'Wrong Answer' });
});

test('a crash is rejected with Judge0\'s status', async () => {
  const verdict = await client().judge('raise SystemExit(3)', PYTHON, sum.tests);
  expect(verdict).toMatchObject({ kind: 'rejected', passed: 0, status: 'Runtime Error (NZEC)' });
});

test('one batch: one create for every test, polled in one request per round, without wait=true, with the token header', async () => {
  await client().judge('a, b = map(int, input().split())\nprint(a + b)\n', PYTHON, sum.tests);
  const creates = judge0.requests.filter(r => r.method === 'POST');
  expect(creates.map(r => r.url.split('?')[0])).toEqual(['/submissions/batch']);
  expect(creates[0].url).not.toContain('wait=true');
  const polls = judge0.requests.filter(r => r.method === 'GET');
  expect(polls.length).toBeGreaterThanOrEqual(1);
  expect(polls.every(r => r.url.startsWith('/submissions/batch?tokens=') && r.url.split('tokens=')[1].split('&')[0].split(',').length === 3)).toBe(true);
  expect(judge0.requests.every(r => r.token === JUDGE0_TOKEN)).toBe(true);
});

test('each submission carries its language\'s memory_limit, and Python starts under it', async () => {
  judge0.submissions.clear();
  const verdict = await client().judge('a, b = map(int, input().split())\nprint(a + b)\n', PYTHON, sum.tests);
  expect(verdict.kind).toBe('accepted');
  for (const s of judge0.submissions.values()) expect(s).toMatchObject({ memoryLimitKb: PYTHON.memoryLimitKb });
});

test('the address-space limit is real in the stand-in: a program that maps more than its memory_limit fails', async () => {
  const verdict = await client().judge('x = bytearray(400 * 1024 * 1024)\nprint(3)', PYTHON, sum.tests.slice(0, 1));
  expect(verdict).toMatchObject({ kind: 'rejected', status: 'Runtime Error (NZEC)' });
});

test('every offered language starts under Judge0\'s MAX_MEMORY_LIMIT', () => {
  for (const l of LANGUAGES) expect(l.memoryLimitKb).toBeLessThanOrEqual(JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB);
});

test('on the first failed test it stops waiting for the others', async () => {
  judge0.holdStdin = sum.tests[2].stdin; // that test never finishes
  const started = Date.now();
  const verdict = await client({ timeoutMs: 20_000 }).judge('print(3)', PYTHON, sum.tests);
  expect(verdict).toMatchObject({ kind: 'rejected', status: 'Wrong Answer' });
  expect(Date.now() - started).toBeLessThan(15_000);
});

test.each([
  ['internal-error', 'Internal Error'],
  ['exec-format-error', 'Exec Format Error'],
] as const)('Judge0 status %s is a judge error, not a wrong answer', async (mode, description) => {
  judge0.mode = mode;
  expect(await client().judge('print(3)', PYTHON, sum.tests))
    .toEqual({ kind: 'judge-error', message: `Judge0 could not run the submission (${description})` });
});

test('a full queue (503) is "busy, try again", not a verdict', async () => {
  judge0.mode = 'queue-full';
  expect(await client().judge('print(3)', PYTHON, sum.tests)).toMatchObject({ kind: 'judge-busy' });
});

test('Judge0 errors become a judge-error verdict, not an exception', async () => {
  judge0.mode = 'error';
  expect(await client().judge('print(3)', PYTHON, sum.tests))
    .toEqual({ kind: 'judge-error', message: 'Judge0 answered 500 to POST /submissions/batch' });
});

test('a wrong token is reported', async () => {
  expect(await client({ token: 'wrong' }).judge('print(3)', PYTHON, sum.tests))
    .toEqual({ kind: 'judge-error', message: 'Judge0 answered 401 to POST /submissions/batch' });
});

test('without the token header the stand-in refuses, like Judge0 with AUTHN_TOKEN set', async () => {
  expect(await client({ token: undefined }).judge('print(3)', PYTHON, sum.tests))
    .toEqual({ kind: 'judge-error', message: 'Judge0 answered 401 to POST /submissions/batch' });
  expect(judge0.requests.at(-1)).toMatchObject({ status: 401, token: undefined });
});

test('a submission that never finishes times out', async () => {
  judge0.mode = 'stuck';
  const verdict = await client({ timeoutMs: 300 }).judge('print(3)', PYTHON, sum.tests);
  expect(verdict).toEqual({ kind: 'judge-error', message: 'Judge0 did not finish a submission within 0.3 s' });
});

test('an unreachable Judge0 is a judge-error', async () => {
  const verdict = await client({ url: 'http://127.0.0.1:1' }).judge('print(3)', PYTHON, sum.tests);
  expect(verdict.kind).toBe('judge-error');
});

describe('hosted Judge0 CE (RapidAPI)', () => {
  const rapid = new Judge0StandIn('rapid-key', { authHeader: 'X-RapidAPI-Key' });
  beforeAll(() => rapid.start());
  afterAll(() => rapid.stop());
  beforeEach(() => { rapid.quota = undefined; rapid.requests.length = 0; });
  const rapidClient = (options: Partial<ConstructorParameters<typeof Judge0Client>[0]> = {}) =>
    new Judge0Client({ url: rapid.url, authHeader: 'X-RapidAPI-Key', token: 'rapid-key', pollMs: 50, maxPollMs: 400, ...options });

  test('sends the key in X-RapidAPI-Key and X-RapidAPI-Host = the URL\'s host', async () => {
    expect(await rapidClient().judge('print(3)', PYTHON, sum.tests.slice(0, 1))).toMatchObject({ kind: 'accepted' });
    for (const r of rapid.requests) {
      expect(r.headers['x-rapidapi-key']).toBe('rapid-key');
      expect(r.headers['x-rapidapi-host']).toBe(new URL(rapid.url).host);
      expect(r.headers['x-auth-token']).toBeUndefined();
    }
  });

  test('with the header configured as X-Auth-Token, RapidAPI refuses', async () => {
    expect(await rapidClient({ authHeader: undefined }).judge('print(3)', PYTHON, sum.tests))
      .toEqual({ kind: 'judge-error', message: 'Judge0 answered 401 to POST /submissions/batch' });
  });

  test('a spent quota (429) on create is "busy", not a verdict', async () => {
    rapid.quota = 0;
    expect(await rapidClient().judge('print(3)', PYTHON, sum.tests)).toMatchObject({ kind: 'judge-busy' });
  });

  test('429 while polling: it backs off and keeps polling the same tokens', async () => {
    rapid.quota = 2; // the create and one poll; then 429 until the quota comes back
    setTimeout(() => { rapid.quota = 1000; }, 1500);
    const verdict = await rapidClient({ timeoutMs: 20_000 }).judge('print(3)', PYTHON, sum.tests.slice(0, 1));
    expect(verdict).toMatchObject({ kind: 'accepted' });
    const limited = rapid.requests.filter(r => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    // backing off doubles the wait (50, 100, 200, 400 ms cap): far fewer than 1.5 s / 50 ms = 30 requests
    expect(limited.length).toBeLessThanOrEqual(8);
    expect(rapid.requests.filter(r => r.method === 'POST')).toHaveLength(1);
  });
});

test('outputs compare as Judge0 compares them: trailing whitespace of each line and of the whole is ignored, leading is not', async () => {
  const test = { stdin: '', expectedOutput: 'a b\nc\n' };
  expect((await client().judge('print("a b   ")\nprint("c\\t")\nprint()\nprint()', PYTHON, [test])).kind).toBe('accepted');
  expect((await client().judge('print(" a b")\nprint("c")', PYTHON, [test])).kind).not.toBe('accepted');
});
