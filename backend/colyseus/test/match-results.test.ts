// The match results queue against the MongoDB collection stand-in (test/mongodb-stand-in.ts).
import { MatchResult, QueuedMatchResults } from '../src/match-results';
import { MongoCollectionStandIn } from './mongodb-stand-in';

const result = (roomId: string): MatchResult => ({
  roomId, problemId: 'sum', players: [{ id: 'alice', isBot: false, solved: true }, { id: 'bob', isBot: false, solved: false }],
  winner: 'alice', reason: 'solved', startedAt: new Date(0), endedAt: new Date(1000),
});

let store: MongoCollectionStandIn;
let lines: string[];
let opened: QueuedMatchResults[] = [];
const queue = (limit = 1000) => {
  const results = new QueuedMatchResults(store, () => store.close(), { limit, retryMs: 50, maxRetryMs: 200, log: line => lines.push(line) });
  opened.push(results);
  return results;
};

beforeEach(() => {
  store = new MongoCollectionStandIn();
  lines = [];
});
afterEach(async () => {
  for (const results of opened.splice(0)) await results.close();
});

test('a result is written once, with a unique index on roomId created first', async () => {
  const results = queue();
  expect(await results.save(result('r1'), 5_000)).toBe(true);
  expect(store.docs.map(d => d.roomId)).toEqual(['r1']);
  expect(store.calls.createIndex).toBe(1);
});

test('MongoDB unreachable: save gives up waiting but keeps the result; it is written when MongoDB returns', async () => {
  store.mode = 'unreachable';
  const results = queue();
  expect(await results.save(result('r1'), 500)).toBe(false);
  expect(results.pending).toBe(1);
  expect(lines.join('\n')).toMatch(/match results wait for MongoDB \(1 queued, at most 1000\): connect ECONNREFUSED/);
  store.mode = 'up';
  expect(await results.flush(5_000)).toBe(0);
  expect(store.docs.map(d => d.roomId)).toEqual(['r1']);
});

test('a reply lost after the write landed: the retry meets the unique index and counts as saved, no second copy', async () => {
  store.mode = 'drop-reply-once';
  const results = queue();
  expect(await results.save(result('r1'), 5_000)).toBe(true);
  expect(store.calls.insertOne).toBe(2);
  expect(store.docs.map(d => d.roomId)).toEqual(['r1']);
});

test('the queue is bounded: past its limit the oldest result is dropped, and said', async () => {
  store.mode = 'unreachable';
  const results = queue(2);
  const saves = ['r1', 'r2', 'r3'].map(id => results.save(result(id), 10_000));
  expect(await saves[0]).toBe(false); // dropped at once, not after 10 s
  expect(results.pending).toBe(2);
  expect(lines).toContain('match results queue full (2): dropped the result of room r1');
  store.mode = 'up';
  expect(await results.flush(5_000)).toBe(0);
  expect(store.docs.map(d => d.roomId).sort()).toEqual(['r2', 'r3']);
});

test('drain: flush waits at most its bound and tells how many are left', async () => {
  store.mode = 'unreachable';
  const results = queue();
  void results.save(result('r1'), 60_000);
  const started = Date.now();
  expect(await results.flush(800)).toBe(1);
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('existing duplicate roomIds block the unique index: said once, and results are still written', async () => {
  store.docs.push(result('old'), result('old'));
  const results = queue();
  expect(await results.save(result('r1'), 5_000)).toBe(true);
  expect(await results.save(result('r2'), 5_000)).toBe(true);
  expect(store.docs.map(d => d.roomId)).toEqual(['old', 'old', 'r1', 'r2']);
  expect(lines.filter(line => line.includes('duplicate roomId values block the unique index: remove duplicates in codeclashers.matches'))).toHaveLength(1);
  expect(store.calls.createIndex).toBe(1);
});
