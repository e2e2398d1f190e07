// Judges a submission with Judge0's submissions API (https://ce.judge0.com/#submissions):
// every hidden test in one batch (POST /submissions/batch, created without `wait`: the server
// runs unprivileged), polled in one request per round (GET /submissions/batch?tokens=...).
// A hosted Judge0 counts every request against a quota and answers 429 past it, so: one
// batch, polls that back off, and 429/503 reported as "busy, try again", never as a verdict.
import { Language } from './languages';
import { TestCase } from './problems';

/**
 * Judge0 status ids (GET /statuses, 1.13.1): 1 In Queue, 2 Processing, 3 Accepted, 4 Wrong
 * Answer, 5 Time Limit Exceeded, 6 Compilation Error, 7-12 Runtime Error (SIGSEGV, SIGXFSZ,
 * SIGFPE, SIGABRT, NZEC, Other), 13 Internal Error, 14 Exec Format Error. 13 and 14 are the
 * judge failing, not the player's code.
 */
const STATUS = { PROCESSING: 2, ACCEPTED: 3, INTERNAL_ERROR: 13, EXEC_FORMAT_ERROR: 14 } as const;

export type Verdict =
  | { readonly kind: 'accepted'; readonly passed: number; readonly total: number }
  | { readonly kind: 'rejected'; readonly passed: number; readonly total: number; readonly status: string }
  /** Judge0 failed (its status 13/14, an error answer, a timeout): not the player's fault. */
  | { readonly kind: 'judge-error'; readonly message: string }
  /** Judge0's queue is full (503) or its quota is spent (429): submit again later. */
  | { readonly kind: 'judge-busy'; readonly message: string };

/** The header Judge0 reads its AUTHN_TOKEN from (Judge0's AUTHN_HEADER default). */
export const DEFAULT_AUTH_HEADER = 'X-Auth-Token';
/** Hosted Judge0 CE on RapidAPI: the key header, which also needs X-RapidAPI-Host. */
export const RAPIDAPI_KEY_HEADER = 'X-RapidAPI-Key';

export interface Judge0Options {
  /** Base URL, without a trailing slash. */
  readonly url: string;
  /** Header the token is sent in. @default 'X-Auth-Token' */
  readonly authHeader?: string;
  /** Sent in `authHeader` when set. */
  readonly token?: string;
  /** Give up on a submission that is not final after this long. @default 30000 */
  readonly timeoutMs?: number;
  /** First wait between polls; doubles on 429, up to `maxPollMs`. @default 500 */
  readonly pollMs?: number;
  /** @default 4000 */
  readonly maxPollMs?: number;
}

class BusyError extends Error {}

export class Judge0Client {
  private readonly headers: Record<string, string>;

  constructor(private readonly options: Judge0Options) {
    const header = options.authHeader ?? DEFAULT_AUTH_HEADER;
    this.headers = { 'Content-Type': 'application/json' };
    if (options.token) {
      this.headers[header] = options.token;
      // RapidAPI routes by this header and refuses a request without it
      if (header.toLowerCase() === RAPIDAPI_KEY_HEADER.toLowerCase()) this.headers['X-RapidAPI-Host'] = new URL(options.url).host;
    }
  }

  private async call(path: string, init: RequestInit = {}): Promise<any> {
    const response = await fetch(`${this.options.url}${path}`, { ...init, headers: this.headers, signal: AbortSignal.timeout(10_000) });
    const what = `${init.method ?? 'GET'} ${path.split('?')[0]}`;
    if (response.status === 429) throw new BusyError(`Judge0's quota is spent (429 to ${what}); try again in a moment`);
    if (response.status === 503) throw new BusyError(`Judge0 is busy (503 to ${what}: its queue is full); try again in a moment`);
    if (!response.ok) throw new Error(`Judge0 answered ${response.status} to ${what}`);
    return response.json();
  }

  /**
   * Runs `source` against every test. Stops at the first test that fails. Never throws: Judge0
   * failures become `judge-error` or `judge-busy`.
   */
  async judge(source: string, language: Language, tests: readonly TestCase[]): Promise<Verdict> {
    try {
      const created: { token?: string }[] = await this.call('/submissions/batch?base64_encoded=false', {
        method: 'POST',
        body: JSON.stringify({
          submissions: tests.map(t => ({
            source_code: source, language_id: language.id, stdin: t.stdin, expected_output: t.expectedOutput,
            memory_limit: language.memoryLimitKb,
          })),
        }),
      });
      const tokens = created.map(c => c.token);
      if (tokens.some(t => !t)) return { kind: 'judge-error', message: `Judge0 refused the submission: ${JSON.stringify(created.find(c => !c.token))}` };
      return await this.poll(tokens as string[], tests.length);
    } catch (error) {
      if (error instanceof BusyError) return { kind: 'judge-busy', message: error.message };
      return { kind: 'judge-error', message: (error as Error).message };
    }
  }

  private async poll(tokens: string[], total: number): Promise<Verdict> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let waitMs = this.options.pollMs ?? 500;
    const maxPollMs = this.options.maxPollMs ?? 4000;
    for (;;) {
      await new Promise(resolve => setTimeout(resolve, waitMs));
      let answer: { submissions: ({ status: { id: number; description: string } } | null)[] } | undefined;
      try {
        answer = await this.call(`/submissions/batch?tokens=${tokens.map(encodeURIComponent).join(',')}&base64_encoded=false&fields=status`);
      } catch (error) {
        if (!(error instanceof BusyError)) throw error;
        waitMs = Math.min(waitMs * 2, maxPollMs); // 429 or 503 while polling: back off, keep the tokens
      }
      if (answer) {
        const statuses = answer.submissions.map(s => s?.status);
        const judgeFailure = statuses.find(s => s && (s.id === STATUS.INTERNAL_ERROR || s.id === STATUS.EXEC_FORMAT_ERROR));
        if (judgeFailure) return { kind: 'judge-error', message: `Judge0 could not run the submission (${judgeFailure.description})` };
        const passed = statuses.filter(s => s?.id === STATUS.ACCEPTED).length;
        // first failed test decides: the others need not be waited for
        const failed = statuses.find(s => s && s.id > STATUS.PROCESSING && s.id !== STATUS.ACCEPTED);
        if (failed) return { kind: 'rejected', passed, total, status: failed.description };
        if (passed === total) return { kind: 'accepted', passed, total };
      }
      if (Date.now() + waitMs > deadline) throw new Error(`Judge0 did not finish a submission within ${timeoutMs / 1000} s`);
    }
  }
}
