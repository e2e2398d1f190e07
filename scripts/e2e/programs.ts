// A correct and a wrong program for one problem in every language the game server offers
// (backend/colyseus/src/languages.ts). Scenario (b) has each judged by the real Judge0 in
// per-process mode: that is how a language is proven (issue 19). The wrong one runs and reads
// its input (it is off by one), so a Wrong Answer shows the program was compiled and executed.
import { LANGUAGES, Language, languageById } from '../../backend/colyseus/src/languages';
import { Problem, problemById } from '../../backend/colyseus/src/problems';

/** The problem every program here solves: two integers on one line, print their sum. */
export const PROGRAMS_PROBLEM_ID = 'sum-of-two';

export interface LanguagePrograms {
  /** Judge0 language id, one of LANGUAGES. */
  readonly languageId: number;
  /** Passes every test of PROGRAMS_PROBLEM_ID: Accepted. */
  readonly correct: string;
  /** Compiles and runs, prints a + b + 1: Wrong Answer. */
  readonly wrong: string;
}

const c = (expression: string) => `#include <stdio.h>

int main(void) {
  long long a, b;
  if (scanf("%lld %lld", &a, &b) != 2) return 1;
  printf("%lld\\n", ${expression});
  return 0;
}
`;

const cpp = (expression: string) => `#include <iostream>

int main() {
  long long a, b;
  if (!(std::cin >> a >> b)) return 1;
  std::cout << ${expression} << "\\n";
  return 0;
}
`;

const python = (expression: string) => `a, b = map(int, input().split())\nprint(${expression})\n`;

/** One entry per language of LANGUAGES (test/e2e-programs.test.ts holds the two lists equal). */
export const PROGRAMS: readonly LanguagePrograms[] = [
  { languageId: 71, correct: python('a + b'), wrong: python('a + b + 1') },
  { languageId: 54, correct: cpp('a + b'), wrong: cpp('a + b + 1') },
  { languageId: 50, correct: c('a + b'), wrong: c('a + b + 1') },
];

/** The problem the programs solve, from the game server's own list. */
export function programsProblem(): Problem {
  const problem = problemById(PROGRAMS_PROBLEM_ID);
  if (!problem) throw new Error(`backend/colyseus/src/problems.ts no longer has problem ${PROGRAMS_PROBLEM_ID}: scripts/e2e/programs.ts must follow`);
  return problem;
}

/** Every language of LANGUAGES with its programs; throws naming any language without programs. */
export function programsByLanguage(languages: readonly Language[] = LANGUAGES): { language: Language; programs: LanguagePrograms }[] {
  const missing = languages.filter(l => !PROGRAMS.some(p => p.languageId === l.id));
  if (missing.length) throw new Error(`scripts/e2e/programs.ts has no programs for ${missing.map(l => `${l.id} (${l.name})`).join(', ')}: every offered language must be proven`);
  return languages.map(language => ({ language, programs: PROGRAMS.find(p => p.languageId === language.id)! }));
}

/** "71 (Python (3.8.1))", for messages. */
export function languageLabel(languageId: number): string {
  return `${languageId} (${languageById(languageId)?.name ?? 'not offered'})`;
}
