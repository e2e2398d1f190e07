// Judges a submission with Judge0's submissions API (https://ce.judge0.com/#submissions):
// one submission per hidden test, created without `wait` (the server runs unprivileged and
// cannot run code itself), then polled until every test has a final status.
import { TestCase } from './problems';

/** Judge0 status ids (GET /statuses): 1 In Queue and 2 Processing are not final. */
const STATUS = { PROCESSING: 2, ACCEPTED: 3 } as const;

export type Verdict =
  | { readonly kind: 'accepted'; readonly passed: number; readonly total: number }
  | { readonly kind: 'rejected'; readonly passed: number; readonly total: number; readonly status: string }
  | { readonly kind: 'judge-error'; readonly message: string };

export interface Judge0Options {
  readonly url: string;
  readonly token?: string;
  /** Give up on a submission that is not final after this long. @default 30000 */
  readonly timeoutMs?: number;
  /** @default 500 */
  readonly pollMs?: number;
}

export class Judge0Client {
  constructor(private readonly options: Judge0Options) {}

  private async call(path: string, init: RequestInit = {}): Promise<any> {
    const response = await fetch(`${this.options.url}${path}`, {
      ...init,
      headers: {
        'Content-Type': 'application/json',
        ...(this.options.token ? { 'X-Auth-Token': this.options.token } : {}),
      },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Judge0 answered ${response.status} to ${init.method ?? 'GET'} ${path.split('?')[0]}`);
    return response.json();
  }

  private async run(source: string, languageId: number, test: TestCase): Promise<{ id: number; description: string }> {
    const { token } = await this.call('/submissions?base64_encoded=false&wait=false', {
      method: 'POST',
      body: JSON.stringify({ source_code: source, language_id: languageId, stdin: test.stdin, expected_output: test.expectedOutput }),
    });
    const deadline = Date.now() + (this.options.timeoutMs ?? 30_000);
    for (;;) {
      const result = await this.call(`/submissions/${encodeURIComponent(token)}?base64_encoded=false&fields=status`);
      if (result.status.id > STATUS.PROCESSING) return result.status;
      if (Date.now() > deadline) throw new Error(`Judge0 did not finish a submission within ${(this.options.timeoutMs ?? 30_000) / 1000} s`);
      await new Promise(r => setTimeout(r, this.options.pollMs ?? 500));
    }
  }

  /** Runs `source` against every test. Never throws: Judge0 failures become a `judge-error` verdict. */
  async judge(source: string, languageId: number, tests: readonly TestCase[]): Promise<Verdict> {
    try {
      const statuses = await Promise.all(tests.map(t => this.run(source, languageId, t)));
      const passed = statuses.filter(s => s.id === STATUS.ACCEPTED).length;
      const failing = statuses.find(s => s.id !== STATUS.ACCEPTED);
      return failing
        ? { kind: 'rejected', passed, total: tests.length, status: failing.description }
        : { kind: 'accepted', passed, total: tests.length };
    } catch (error) {
      return { kind: 'judge-error', message: (error as Error).message };
    }
  }
}
