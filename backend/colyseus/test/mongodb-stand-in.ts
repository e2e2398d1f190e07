// A stand-in for the `matches` collection of the MongoDB Node driver (mongodb 7), for the parts
// the game server uses: `createIndex` and `insertOne`. No MongoDB server can run here (Debian
// bookworm ships none; mongodb-memory-server downloads its binary at run time), so this models
// what the driver answers, with the driver's own error classes:
// - MongoDB unreachable: the real driver is asked, against a loopback port nothing listens on,
//   so the error is the driver's own MongoServerSelectionError after serverSelectionTimeoutMS
//   (docs: https://www.mongodb.com/docs/drivers/node/current/connect/connection-options/ ,
//   "serverSelectionTimeoutMS"; API: MongoServerSelectionError).
// - The connection dropped after the server applied the write and before its reply arrived:
//   the write is kept and the driver throws MongoNetworkError (API: MongoNetworkError; the
//   driver's retryable writes retry once, the spec says a write may have been applied:
//   https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md).
// - A document whose value already exists under a unique index: MongoServerError with code
//   11000, DuplicateKey (https://www.mongodb.com/docs/manual/reference/error-codes/ ; message
//   form "E11000 duplicate key error collection: <db>.<coll> index: <name> dup key: { ... }",
//   https://www.mongodb.com/docs/manual/core/index-unique/). createIndex over existing
//   duplicates fails with the same code.
import { MongoClient, MongoNetworkError, MongoServerError } from 'mongodb';
import type { MatchResult, ResultCollection } from '../src/match-results';
import { freePort } from './harness';

export type StandInMode = 'up' | 'unreachable' | 'drop-reply-once';

export class MongoCollectionStandIn implements ResultCollection {
  mode: StandInMode = 'up';
  readonly docs: MatchResult[] = [];
  readonly calls = { createIndex: 0, insertOne: 0 };
  private readonly uniqueKeys = new Map<string, string>(); // index name -> field
  private unreachable?: MongoClient;

  async createIndex(spec: { roomId: 1 }, options: { unique: true; name: string }): Promise<string> {
    this.calls.createIndex++;
    await this.reach();
    const field = Object.keys(spec)[0] as keyof MatchResult;
    const values = this.docs.map(d => String(d[field]));
    if (options.unique && new Set(values).size !== values.length) throw this.duplicate(options.name, field, values.find((v, i) => values.indexOf(v) !== i)!);
    if (options.unique) this.uniqueKeys.set(options.name, field);
    return options.name;
  }

  async insertOne(doc: MatchResult): Promise<{ acknowledged: true }> {
    this.calls.insertOne++;
    await this.reach();
    for (const [name, field] of this.uniqueKeys) {
      const value = String(doc[field as keyof MatchResult]);
      if (this.docs.some(d => String(d[field as keyof MatchResult]) === value)) throw this.duplicate(name, field, value);
    }
    this.docs.push(doc);
    if (this.mode === 'drop-reply-once') {
      this.mode = 'up';
      throw new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed');
    }
    return { acknowledged: true };
  }

  async close(): Promise<void> {
    await this.unreachable?.close();
  }

  private duplicate(index: string, field: string, value: string): MongoServerError {
    const errmsg = `E11000 duplicate key error collection: codeclashers.matches index: ${index} dup key: { ${field}: "${value}" }`;
    return new MongoServerError({ message: errmsg, errmsg, code: 11000, keyPattern: { [field]: 1 }, keyValue: { [field]: value } });
  }

  /** While unreachable, the real driver's answer: server selection times out (shortened to 200 ms). */
  private async reach(): Promise<void> {
    if (this.mode !== 'unreachable') return;
    this.unreachable ??= new MongoClient(`mongodb://127.0.0.1:${await freePort()}/codeclashers`, { serverSelectionTimeoutMS: 200 });
    await this.unreachable.db().collection('matches').insertOne({ probe: true });
  }
}
