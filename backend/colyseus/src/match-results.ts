// Where finished matches are recorded: MongoDB when MONGODB_URI is set, nowhere otherwise.
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
  save(result: MatchResult): Promise<void>;
  close(): Promise<void>;
}

export const DISCARD_RESULTS: MatchResults = { save: async () => undefined, close: async () => undefined };

export class MongoMatchResults implements MatchResults {
  private readonly client: MongoClient;

  constructor(uri: string) {
    this.client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  }

  async save(result: MatchResult): Promise<void> {
    await this.client.db().collection<MatchResult>('matches').insertOne({ ...result });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
