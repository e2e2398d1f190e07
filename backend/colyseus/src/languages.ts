// The languages a player may submit in. Judge0 in per-process mode (the deploy's default, no
// cgroups needed) turns `memory_limit` into an address-space limit (RLIMIT_AS): runtimes that
// reserve large virtual memory at start (the JVM, Node/V8, Go) fail far below their real use
// (FIELD-NOTES, Judge0; judge0#7, omegaup/omegajail#24). So each language offered carries a
// `memory_limit` it starts under, at most Judge0's MAX_MEMORY_LIMIT (default 512000 KB), and any
// other language id is refused with a message instead of reaching Judge0.
//
// Proven = judged with a real program on a real Judge0 1.13.1 in per-process mode. None is yet:
// that is the end-to-end job's work (README, "Languages").

export interface Language {
  /** Judge0 1.13.1 language id (GET /languages). */
  readonly id: number;
  readonly name: string;
  /** Judge0 `memory_limit` in KB, sent with every submission. */
  readonly memoryLimitKb: number;
}

/** Judge0's MAX_MEMORY_LIMIT default (KB); a submission asking for more is refused (422). */
export const JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB = 512_000;

export const LANGUAGES: readonly Language[] = [
  { id: 71, name: 'Python (3.8.1)', memoryLimitKb: 256_000 },
  { id: 54, name: 'C++ (GCC 9.2.0)', memoryLimitKb: 256_000 },
  { id: 50, name: 'C (GCC 9.2.0)', memoryLimitKb: 256_000 },
];

export function languageById(id: number): Language | undefined {
  return LANGUAGES.find(l => l.id === id);
}

/** The line a player gets for a language that is not offered. */
export function unsupportedLanguageMessage(id: unknown): string {
  return `language_id ${JSON.stringify(id)} is not offered; use one of ${LANGUAGES.map(l => `${l.id} (${l.name})`).join(', ')}`;
}
