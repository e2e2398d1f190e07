// Scenario (b)'s programs: one pair per offered language, no more and no fewer, for a problem
// the game server has; and the decisions around judging them.
import { LANGUAGES } from '../backend/colyseus/src/languages';
import { PROBLEMS } from '../backend/colyseus/src/problems';
import { PROGRAMS, PROGRAMS_PROBLEM_ID, languageLabel, programsByLanguage, programsProblem } from '../scripts/e2e/programs';
import { languageRows } from '../scripts/e2e/scenarios/b-judged-duel';

test('every program\'s language id is in LANGUAGES, and every language of LANGUAGES has programs', () => {
  const offered = LANGUAGES.map(l => l.id).sort();
  expect(PROGRAMS.map(p => p.languageId).sort()).toEqual(offered);
  expect(new Set(PROGRAMS.map(p => p.languageId)).size).toBe(PROGRAMS.length);
  expect(programsByLanguage().map(e => e.language.id)).toEqual(LANGUAGES.map(l => l.id));
});

test('a language added to the game server without programs stops the e2e, naming it', () => {
  expect(() => programsByLanguage([...LANGUAGES, { id: 62, name: 'Java (OpenJDK 13.0.1)', memoryLimitKb: 512_000 }]))
    .toThrow('scripts/e2e/programs.ts has no programs for 62 (Java (OpenJDK 13.0.1)): every offered language must be proven');
});

test('the programs\' problem is one of the game server\'s, and each wrong program differs from the correct one', () => {
  expect(PROBLEMS.map(p => p.id)).toContain(PROGRAMS_PROBLEM_ID);
  expect(programsProblem().id).toBe(PROGRAMS_PROBLEM_ID);
  for (const p of PROGRAMS) expect(p.wrong).not.toBe(p.correct);
});

test('the Python pair matches the problem: the reference solution is the correct program', () => {
  // The problem's reference is Python; the e2e's correct Python program must pass the same tests.
  const python = PROGRAMS.find(p => p.languageId === 71)!;
  expect(programsProblem().reference).toEqual({ languageId: 71, source: python.correct });
});

test('the summary table names each language with its outcome, escaping table pipes', () => {
  expect(languageRows([{ languageId: 71, name: 'Python (3.8.1)' }, { languageId: 54, name: 'C++ (GCC 9.2.0)', error: 'expected Accepted, Judge0 returned "Internal Error" | x' }])).toEqual([
    '| id | language | Judge0 per-process, cgroup v2 amd64 |', '| ---: | --- | --- |',
    '| 71 | Python (3.8.1) | proven: Accepted and Wrong Answer |',
    '| 54 | C++ (GCC 9.2.0) | **fails**: expected Accepted, Judge0 returned "Internal Error" \\| x |',
  ]);
  expect(languageLabel(50)).toBe('50 (C (GCC 9.2.0))');
  expect(languageLabel(62)).toBe('62 (not offered)');
});
