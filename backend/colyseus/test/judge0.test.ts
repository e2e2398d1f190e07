import { Judge0Client } from '../src/judge0';
import { PROBLEMS, problemById } from '../src/problems';
import { JUDGE0_TOKEN } from './harness';
import { Judge0StandIn } from './judge0-stand-in';

const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
beforeAll(() => judge0.start());
afterAll(() => judge0.stop());
beforeEach(() => { judge0.mode = 'normal'; });

const client = (options: Partial<ConstructorParameters<typeof Judge0Client>[0]> = {}) =>
  new Judge0Client({ url: judge0.url, token: JUDGE0_TOKEN, pollMs: 50, ...options });

test.each(PROBLEMS.map(p => [p.id]))('the reference solution of %s passes every hidden test', async id => {
  const problem = problemById(id)!;
  expect(await client().judge(problem.reference.source, problem.reference.languageId, problem.tests))
    .toEqual({ kind: 'accepted', passed: 3, total: 3 });
});

test('a wrong answer is rejected with the count of passed tests', async () => {
  const problem = problemById('sum-of-two')!;
  const verdict = await client().judge('print(3)', 71, problem.tests);
  expect(verdict).toEqual({ kind: 'rejected', passed: 1, total: 3, status: 'Wrong Answer' });
});

test('a crash is rejected with Judge0\'s status', async () => {
  const verdict = await client().judge('raise SystemExit(3)', 71, problemById('sum-of-two')!.tests);
  expect(verdict).toMatchObject({ kind: 'rejected', passed: 0, status: 'Runtime Error (NZEC)' });
});

test('it creates without wait=true, sends the token header and polls', async () => {
  judge0.requests.length = 0;
  await client().judge('print(3)', 71, problemById('sum-of-two')!.tests.slice(0, 1));
  const create = judge0.requests.filter(r => r.method === 'POST');
  expect(create).toHaveLength(1);
  expect(create[0].url).toContain('wait=false');
  expect(judge0.requests.every(r => r.token === JUDGE0_TOKEN)).toBe(true);
  expect(judge0.requests.filter(r => r.method === 'GET').length).toBeGreaterThanOrEqual(1);
});

test('Judge0 errors become a judge-error verdict, not an exception', async () => {
  judge0.mode = 'error';
  expect(await client().judge('print(3)', 71, problemById('sum-of-two')!.tests))
    .toEqual({ kind: 'judge-error', message: 'Judge0 answered 500 to POST /submissions' });
});

test('a wrong token is reported', async () => {
  expect(await client({ token: 'wrong' }).judge('print(3)', 71, problemById('sum-of-two')!.tests))
    .toEqual({ kind: 'judge-error', message: 'Judge0 answered 401 to POST /submissions' });
});

test('a submission that never finishes times out', async () => {
  judge0.mode = 'stuck';
  const verdict = await client({ timeoutMs: 300 }).judge('print(3)', 71, problemById('sum-of-two')!.tests);
  expect(verdict).toEqual({ kind: 'judge-error', message: 'Judge0 did not finish a submission within 0.3 s' });
});

test('an unreachable Judge0 is a judge-error', async () => {
  const verdict = await client({ url: 'http://127.0.0.1:1' }).judge('print(3)', 71, problemById('sum-of-two')!.tests);
  expect(verdict.kind).toBe('judge-error');
});
