// Where finished matches are recorded: MongoDB when MONGODB_URI is set, nowhere otherwise.
// Results go through a bounded in-memory queue that retries until MongoDB takes them, so a
// MongoDB outage never stops a duel and a result survives it (up to the queue's size). A unique
// index on `roomId` makes a retry of a write that did land (a network error after the server
// applied it) a duplicate-key error, counted as saved.
import { MongoClient } from 'mongodb';

export interface MatchResult {
  readonly roomId: string;
  readonly problemId: string;
  readonly players: readonly { readonly id: string; readonly isBot: boolean; readonly solved: boolean }[];
  /** Player id of the winner; empty for a draw. */
  readonly winner: string;
  readonly reason: 'solved' | 'forfeit' | 'timeout';
  readonly startedAt: Date;
  readonly endedAt: Date;
}

export interface MatchResults {
  /**
   * Queues `result` for writing; resolves true once it is written, or false when `waitMs` passes
   * first (it stays queued and is retried).
   */
  save(result: MatchResult, waitMs: number): Promise<boolean>;
  /** Keeps writing until the queue is empty or `waitMs` passed; resolves with the number left. */
  flush(waitMs: number): Promise<number>;
  close(): Promise<void>;
}

export const DISCARD_RESULTS: MatchResults = { save: async () => true, flush: async () => 0, close: async () => undefined };

/** The part of a MongoDB collection the results need (mongodb driver 7 `Collection`). */
export interface ResultCollection {
  createIndex(spec: { roomId: 1 }, options: { unique: true; name: string }): Promise<string>;
  insertOne(doc: MatchResult): Promise<unknown>;
}

/** MongoDB's DuplicateKey error code (docs: reference/error-codes, 11000). */
const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === DUPLICATE_KEY;

export interface QueuedMatchResultsProps {
  /** Most results held while MongoDB is away; past it the oldest is dropped (and said). @default 1000 */
  readonly limit?: number;
  /** First pause after a failed write; doubles up to `maxRetryMs`. @default 500 */
  readonly retryMs?: number;
  /** @default 10000 */
  readonly maxRetryMs?: number;
  readonly log?: (line: string) => void;
}

interface Pending {
  readonly result: MatchResult;
  readonly written: (ok: boolean) => void;
}

export class QueuedMatchResults implements MatchResults {
  private readonly queue: Pending[] = [];
  private readonly limit: number;
  private readonly log: (line: string) => void;
  private running = false;
  private closed = false;
  private indexed = false;
  private failing = false;
  private wake?: () => void;
  private readonly idle: (() => void)[] = [];

  constructor(private readonly collection: ResultCollection, private readonly closeStore: () => Promise<void>, private readonly props: QueuedMatchResultsProps = {}) {
    this.limit = props.limit ?? 1000;
    this.log = props.log ?? console.log;
  }

  /** Results not yet written. */
  get pending(): number {
    return this.queue.length;
  }

  save(result: MatchResult, waitMs: number): Promise<boolean> {
    let written!: (ok: boolean) => void;
    const done = new Promise<boolean>(resolve => { written = resolve; });
    if (this.queue.length >= this.limit) {
      const dropped = this.queue.shift()!;
      this.log(`match results queue full (${this.limit}): dropped the result of room ${dropped.result.roomId}`);
      dropped.written(false);
    }
    this.queue.push({ result, written });
    this.run();
    const timer = setTimeout(() => written(false), waitMs);
    timer.unref();
    return done.finally(() => clearTimeout(timer));
  }

  async flush(waitMs: number): Promise<number> {
    if (this.queue.length > 0) {
      this.wake?.();
      await Promise.race([new Promise<void>(resolve => this.idle.push(resolve)), new Promise(resolve => setTimeout(resolve, waitMs).unref())]);
    }
    return this.queue.length;
  }

  /** Stops retrying (what is still queued is lost) and closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.closeStore();
  }

  private run(): void {
    if (this.running) return;
    this.running = true;
    this.drain().finally(() => {
      this.running = false;
      this.idle.splice(0).forEach(resolve => resolve());
    });
  }

  private async drain(): Promise<void> {
    let pause = this.props.retryMs ?? 500;
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0];
      try {
        await this.write(head.result);
        if (this.failing) this.log(`MongoDB takes match results again (${this.queue.length} queued)`);
        this.failing = false;
        pause = this.props.retryMs ?? 500;
        if (this.queue[0] === head) this.queue.shift();
        head.written(true);
      } catch (error) {
        if (!this.failing) this.log(`match results wait for MongoDB (${this.queue.length} queued, at most ${this.limit}): ${(error as Error).message}`);
        this.failing = true;
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => { clearTimeout(timer); resolve(); };
        });
        this.wake = undefined;
        pause = Math.min(pause * 2, this.props.maxRetryMs ?? 10_000);
      }
    }
  }

  private async write(result: MatchResult): Promise<void> {
    if (!this.indexed) {
      try {
        await this.collection.createIndex({ roomId: 1 }, { unique: true, name: 'roomId_unique' });
        this.indexed = true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Existing duplicates: the index cannot be built until someone removes them, and retrying
        // would hold every result back. Results are still written (an insert needs no index); only
        // a retried write that had landed is then stored twice.
        this.indexed = true;
        this.log('duplicate roomId values block the unique index: remove duplicates in codeclashers.matches (match results are still written, without it)');
      }
    }
    try {
      await this.collection.insertOne({ ...result });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // already there: an earlier attempt landed before its answer was lost
    }
  }
}

export function mongoMatchResults(uri: string, props: QueuedMatchResultsProps = {}): QueuedMatchResults {
  // serverSelectionTimeoutMS bounds each attempt while MongoDB is away (driver default 30 s)
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  return new QueuedMatchResults(client.db().collection<MatchResult>('matches') as unknown as ResultCollection, () => client.close(), props);
}
