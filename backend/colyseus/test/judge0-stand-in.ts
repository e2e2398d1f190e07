// An HTTP stand-in for Judge0 1.13.1's submissions API, running Python 3 (language 71) for real.
// Judge0 itself cannot run here (it needs Docker, amd64 and a privileged container). Every
// behaviour below is Judge0's (or RapidAPI's, for hosted Judge0 CE); sources:
//   [ctl]  app/controllers/submissions_controller.rb (judge0/judge0): create, batch_create,
//          batch_show, check_queue_size ("queue is full", 503), check_wait ("wait not allowed")
//   [sub]  app/models/submission.rb: validations (memory_limit > 0 and <= MAX_MEMORY_LIMIT;
//          enable_per_process_* "this option cannot be enabled" unless ALLOW_*), set_defaults
//          (`||=`: an explicit false is replaced by the server default)
//   [app]  app/controllers/application_controller.rb `authenticate_request`: the AUTHN_HEADER
//          (default X-Auth-Token) value must equal AUTHN_TOKEN, else `head :unauthorized`
//   [iso]  app/jobs/isolate_job.rb: without cgroups (both per-process flags), `-m` is a per-process
//          address-space limit; statuses 13 Internal Error, 14 Exec Format Error (GET /statuses);
//          `determine_status`/`strip_output`: Accepted when expected_output is absent or equal to
//          stdout after stripping each line's trailing whitespace, then the whole's
//   [conf] judge0.conf: MAX_MEMORY_LIMIT 512000 KB, MEMORY_LIMIT 128000 KB, MAX_QUEUE_SIZE 100,
//          MAX_SUBMISSION_BATCH_SIZE 20
//   [rapid] RapidAPI (hosted Judge0 CE): X-RapidAPI-Key and X-RapidAPI-Host required; 429 "Too
//          many requests" past the plan's rate or quota, and every request counts. ASSUMPTIONS,
//          not checked against an upstream source: the 401 text for a missing host header and
//          counting every request (GET polls included) are modelled from RapidAPI's public docs
//          as remembered (docs.rapidapi.com, "Rate limits" / "Quota"), not from a captured answer.
import { spawn } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB } from '../src/languages';

/**
 * normal: run for real. error: 500 to everything. stuck: stay In Queue. internal-error /
 * exec-format-error: finish with status 13 / 14 [iso]. queue-full: creating answers 503 [ctl].
 */
export type StandInMode = 'normal' | 'error' | 'stuck' | 'internal-error' | 'exec-format-error' | 'queue-full';

interface Submission { status: { id: number; description: string }; stdout?: string; memoryLimitKb: number; perProcessMemory: boolean }

const STATUSES: Record<number, string> = {
  1: 'In Queue', 2: 'Processing', 3: 'Accepted', 4: 'Wrong Answer', 5: 'Time Limit Exceeded', 11: 'Runtime Error (NZEC)',
  13: 'Internal Error', 14: 'Exec Format Error',
};

export interface StandInConfig {
  /** AUTHN_HEADER [app]; 'X-RapidAPI-Key' makes it behave like RapidAPI [rapid]. @default 'X-Auth-Token' */
  readonly authHeader?: string;
  /** ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT / _MEMORY_LIMIT: the deploy's default true. */
  readonly perProcess?: boolean;
  /** ALLOW_ENABLE_PER_PROCESS_AND_THREAD_*_LIMIT [sub]. @default true */
  readonly allowPerProcess?: boolean;
  /** MAX_MEMORY_LIMIT, KB [conf]. @default 512000 */
  readonly maxMemoryLimitKb?: number;
}

export class Judge0StandIn {
  mode: StandInMode = 'normal';
  /** Requests RapidAPI still lets through [rapid]; undefined: no quota. */
  quota?: number;
  /** Extra seconds a submission takes before it finishes (a busy judge). */
  delayMs = 0;
  /** Submissions whose stdin equals this stay In Queue (a slow worker). */
  holdStdin?: string;
  readonly submissions = new Map<string, Submission>();
  readonly requests: { method: string; url: string; token?: string; headers: http.IncomingHttpHeaders; status?: number }[] = [];
  private server?: http.Server;
  readonly authHeader: string;

  constructor(readonly authToken: string, readonly config: StandInConfig = {}) {
    this.authHeader = (config.authHeader ?? 'X-Auth-Token').toLowerCase();
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise(resolve => this.server?.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record = { method: req.method!, url: req.url!, token: req.headers[this.authHeader] as string | undefined, headers: req.headers, status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown) => { record.status = status; res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    const rapid = this.authHeader === 'x-rapidapi-key';
    if (rapid) {
      if (!req.headers['x-rapidapi-host']) return send(401, { message: 'Missing RapidAPI application key / host' });
      if (this.quota !== undefined && this.quota-- <= 0) return send(429, { message: 'Too many requests' });
    }
    if (req.headers[this.authHeader] !== this.authToken) { // `head :unauthorized`: 401, empty body [app]
      record.status = 401;
      res.writeHead(401);
      res.end();
      return;
    }
    if (this.mode === 'error') return send(500, { error: 'Internal Server Error' });
    const url = new URL(req.url!, 'http://x');
    if (url.searchParams.get('wait') === 'true') return send(400, { error: 'wait not allowed' }); // ENABLE_WAIT_RESULT=false [ctl]
    const readBody = (then: (body: any) => void) => {
      let body = '';
      req.on('data', chunk => { body += chunk; });
      req.on('end', () => then(JSON.parse(body)));
    };
    if (req.method === 'POST' && url.pathname === '/submissions') {
      if (this.mode === 'queue-full') return send(503, { error: 'queue is full' });
      return readBody(s => {
        const created = this.create(s);
        return 'token' in created ? send(201, created) : send(422, created);
      });
    }
    if (req.method === 'POST' && url.pathname === '/submissions/batch') {
      if (this.mode === 'queue-full') return send(503, { error: 'queue is full' });
      return readBody(body => {
        const list: unknown[] = body.submissions ?? [];
        if (list.length === 0) return send(400, { error: 'there should be at least one submission in a batch' });
        if (list.length > 20) return send(400, { error: 'number of submissions in a batch should be less than or equal to 20' });
        const answers = list.map(s => this.create(s));
        send(answers.some(a => 'token' in a) ? 201 : 422, answers);
      });
    }
    if (req.method === 'GET' && url.pathname === '/submissions/batch') {
      const tokens = (url.searchParams.get('tokens') ?? '').split(',').filter(Boolean);
      return send(200, { submissions: tokens.map(t => this.show(t)) });
    }
    const match = /^\/submissions\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const submission = this.show(match[1]);
      return submission ? send(200, submission) : send(404, { error: 'Not Found' });
    }
    send(404, { error: 'Not Found' });
  }

  private show(token: string) {
    const s = this.submissions.get(token);
    return s ? { token, status: s.status, stdout: s.stdout } : null;
  }

  /** Validation and defaults as [sub]; returns the token or the field errors. */
  private create(s: any): { token: string } | Record<string, string[]> {
    const maxMemory = this.config.maxMemoryLimitKb ?? JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB;
    const errors: Record<string, string[]> = {};
    if (!s.source_code) errors.source_code = ["can't be blank"];
    if (s.language_id !== 71) errors.language_id = [`language with id ${s.language_id} doesn't exist`];
    const memoryLimitKb = s.memory_limit ?? 128_000;
    if (!(memoryLimitKb > 0 && memoryLimitKb <= maxMemory)) errors.memory_limit = [`must be less than or equal to ${maxMemory}`];
    const allow = this.config.allowPerProcess ?? true;
    for (const field of ['enable_per_process_and_thread_time_limit', 'enable_per_process_and_thread_memory_limit']) {
      if (s[field] === true && !allow) errors[field] = ['this option cannot be enabled'];
    }
    if (Object.keys(errors).length) return errors;
    // `||=` in set_defaults: false and absent both take the server's setting
    const perProcessMemory = s.enable_per_process_and_thread_memory_limit || (this.config.perProcess ?? true);
    const token = `tok-${this.submissions.size + 1}-${Math.random().toString(36).slice(2)}`;
    const submission: Submission = { status: { id: 1, description: STATUSES[1] }, memoryLimitKb, perProcessMemory };
    this.submissions.set(token, submission);
    if (this.mode !== 'stuck' && s.stdin !== this.holdStdin) {
      setTimeout(() => this.execute(submission, s.source_code, s.stdin ?? '', s.expected_output), this.delayMs);
    }
    return { token };
  }

  private execute(submission: Submission, source: string, stdin: string, expected?: string): void {
    submission.status = { id: 2, description: STATUSES[2] };
    if (this.mode === 'internal-error' || this.mode === 'exec-format-error') {
      const id = this.mode === 'internal-error' ? 13 : 14;
      submission.status = { id, description: STATUSES[id] };
      return;
    }
    // per-process memory limit = RLIMIT_AS of the program [iso]; `ulimit -v` sets exactly that
    const limit = submission.perProcessMemory ? `ulimit -v ${submission.memoryLimitKb}; ` : '';
    const child = spawn('sh', ['-c', `${limit}exec python3 -c "$0"`, source], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stdout.on('data', d => { stdout += d; });
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      submission.stdout = stdout;
      const id = signal ? 5 : code !== 0 ? 11 : expected === undefined || stripOutput(stdout) === stripOutput(expected) ? 3 : 4;
      submission.status = { id, description: STATUSES[id] };
    });
    child.stdin.end(stdin);
  }
}

/** Judge0's output comparison [iso] `strip_output`: each line's trailing whitespace, then the whole's. */
function stripOutput(output: string): string {
  return output.split('\n').map(line => line.trimEnd()).join('\n').trimEnd();
}
