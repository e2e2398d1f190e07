import { loadSettings } from '../src/settings';

const base = { REDIS_URL: 'redis://:pw@redis:6379/0', COLYSEUS_RESERVATION_SECRET: 'p', BOT_SERVICE_SECRET: 'b' };

test('defaults', () => {
  expect(loadSettings(base)).toEqual({
    port: 2567, redisUrl: base.REDIS_URL, podIp: '127.0.0.1', reservationSecret: 'p', botSecret: 'b',
    judge0Url: undefined, judge0AuthHeader: 'X-Auth-Token', judge0Token: undefined, mongodbUri: undefined, matchSeconds: 900,
    resultsQueueLimit: 1000, resultsDrainSeconds: 20,
  });
});

test.each(['REDIS_URL', 'COLYSEUS_RESERVATION_SECRET', 'BOT_SERVICE_SECRET'])('a missing %s is one line naming it', name => {
  expect(() => loadSettings({ ...base, [name]: '' })).toThrow(new RegExp(`^${name} is not set; expected .+$`));
});

test('bad numbers are named', () => {
  expect(() => loadSettings({ ...base, MATCH_SECONDS: '10m' })).toThrow('MATCH_SECONDS="10m" is invalid; expected a whole number >= 1');
});

test('the Judge0 header and URL', () => {
  expect(loadSettings({ ...base, JUDGE0_URL: 'https://judge0-ce.p.rapidapi.com/', JUDGE0_AUTH_HEADER: 'X-RapidAPI-Key' }))
    .toMatchObject({ judge0Url: 'https://judge0-ce.p.rapidapi.com', judge0AuthHeader: 'X-RapidAPI-Key' });
  expect(() => loadSettings({ ...base, JUDGE0_AUTH_HEADER: 'X Auth: Token' }))
    .toThrow('JUDGE0_AUTH_HEADER="X Auth: Token" is invalid; expected an HTTP header name such as X-Auth-Token or X-RapidAPI-Key');
  expect(() => loadSettings({ ...base, JUDGE0_URL: 'judge0:2358' }))
    .toThrow('JUDGE0_URL="judge0:2358" is invalid; expected an http(s) URL such as http://judge0:2358');
});
