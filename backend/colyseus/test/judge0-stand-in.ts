// An HTTP stand-in for Judge0's documented submissions API (POST /submissions, GET
// /submissions/:token, status ids 1-14, X-Auth-Token), running Python 3 (language 71) for real.
// Judge0 itself cannot run here (it needs Docker, amd64 and cgroup v1).
import { spawn } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';

export type StandInMode = 'normal' | 'error' | 'stuck';

interface Submission { status: { id: number; description: string }; stdout?: string }

const STATUSES: Record<number, string> = {
  1: 'In Queue', 2: 'Processing', 3: 'Accepted', 4: 'Wrong Answer', 5: 'Time Limit Exceeded', 11: 'Runtime Error (NZEC)',
};

export class Judge0StandIn {
  mode: StandInMode = 'normal';
  readonly submissions = new Map<string, Submission>();
  readonly requests: { method: string; url: string; token?: string }[] = [];
  private server?: http.Server;

  constructor(readonly authToken: string) {}

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
    const send = (status: number, body: unknown) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    this.requests.push({ method: req.method!, url: req.url!, token: req.headers['x-auth-token'] as string | undefined });
    if (req.headers['x-auth-token'] !== this.authToken) return send(401, { error: 'Authentication failed.' });
    if (this.mode === 'error') return send(500, { error: 'Internal Server Error' });
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'POST' && url.pathname === '/submissions') {
      let body = '';
      req.on('data', chunk => { body += chunk; });
      req.on('end', () => {
        const s = JSON.parse(body);
        if (s.language_id !== 71) return send(422, { language_id: ['language with id ' + s.language_id + ' doesn\'t exist'] });
        const token = `tok-${this.submissions.size + 1}-${Math.random().toString(36).slice(2)}`;
        const submission: Submission = { status: { id: 1, description: STATUSES[1] } };
        this.submissions.set(token, submission);
        if (this.mode !== 'stuck') this.execute(submission, s.source_code, s.stdin ?? '', s.expected_output);
        send(201, { token });
      });
      return;
    }
    const match = /^\/submissions\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const submission = this.submissions.get(match[1]);
      return submission ? send(200, { token: match[1], ...submission }) : send(404, { error: 'Not Found' });
    }
    send(404, { error: 'Not Found' });
  }

  private execute(submission: Submission, source: string, stdin: string, expected?: string): void {
    submission.status = { id: 2, description: STATUSES[2] };
    const child = spawn('python3', ['-c', source], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stdout.on('data', d => { stdout += d; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      submission.stdout = stdout;
      const id = signal ? 5 : code !== 0 ? 11 : expected === undefined || stdout.trimEnd() === expected.trimEnd() ? 3 : 4;
      submission.status = { id, description: STATUSES[id] };
    });
    child.stdin.end(stdin);
  }
}
