import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The webhook receiver of the end-to-end benchmark, in its own process so its CPU shows apart from
 * Herald's: a plain node:http server that answers 200 at once (or after `?delay_ms=`), and counts
 * what it got per run: each (subscription, event) pair, its copies, and how long after the event was
 * accepted (the body's `timestamp`) and published (`data.sent_at`) it arrived.
 */

/** What the load generator puts in `data`; the receiver reads these fields back. */
export interface BenchEventData {
  run: string;
  seq: number;
  /** Epoch ms when the load generator built the message. */
  sent_at: number;
  /** A probe only tells that the pipeline matches the run's subscriptions; it is no pair. */
  probe?: boolean;
}

export interface ReceiverProgress {
  /** Distinct pairs received so far, by subscription id. */
  bySubscription: Record<string, number>;
  /** Subscriptions that received a probe of the run. */
  probed: string[];
}

export interface SubscriptionReceipts {
  distinct: number;
  firstAt: number | null;
  lastAt: number | null;
}

export interface ReceiverStats {
  /** Distinct pairs first received by `until`, by subscription id. */
  bySubscription: Record<string, SubscriptionReceipts>;
  /** Copies beyond the first of a pair, and the pairs that had any, whenever received. */
  duplicates: number;
  duplicatePairs: number;
  requests: number;
  /** First receipt of each pair by `until`: ms after the event was accepted, and after it was sent. */
  acceptedMs: Record<string, number[]>;
  sentMs: Record<string, number[]>;
  /** When each of those was received (epoch ms), in the same order. */
  receivedAt: Record<string, number[]>;
}

interface Receipt {
  subscription: string;
  at: number;
  acceptedMs: number;
  sentMs: number;
}

interface RunState {
  copies: Map<string, number>;
  firsts: Receipt[];
  probed: Set<string>;
  requests: number;
}

type Question =
  | { kind: 'progress'; run: string }
  | { kind: 'stats'; run: string; until: number }
  | { kind: 'forget'; run: string };
type Query = Question & { id: number };

function runReceiver(): void {
  const runs = new Map<string, RunState>();
  const stateOf = (run: string): RunState => {
    let state = runs.get(run);
    if (!state) {
      state = { copies: new Map(), firsts: [], probed: new Set(), requests: 0 };
      runs.set(run, state);
    }
    return state;
  };

  const record = (raw: Buffer, at: number): void => {
    let body: { timestamp?: string; subscription_id?: string; data?: Partial<BenchEventData> };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      return; // not ours
    }
    const data = body.data;
    if (!data || typeof data.run !== 'string' || typeof body.subscription_id !== 'string') return;
    const state = stateOf(data.run);
    state.requests += 1;
    if (data.probe) {
      state.probed.add(body.subscription_id);
      return;
    }
    const pair = `${body.subscription_id} ${data.seq}`;
    const copies = (state.copies.get(pair) ?? 0) + 1;
    state.copies.set(pair, copies);
    if (copies > 1) return;
    state.firsts.push({
      subscription: body.subscription_id,
      at,
      acceptedMs: body.timestamp ? at - Date.parse(body.timestamp) : NaN,
      sentMs: typeof data.sent_at === 'number' ? at - data.sent_at : NaN,
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      record(Buffer.concat(chunks), Date.now());
      const delayMs = Number(/[?&]delay_ms=(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      const answer = (): void =>
        void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;

  const answer = (query: Query): unknown => {
    const state = stateOf(query.run);
    switch (query.kind) {
      case 'progress': {
        const bySubscription: Record<string, number> = {};
        for (const receipt of state.firsts)
          bySubscription[receipt.subscription] = (bySubscription[receipt.subscription] ?? 0) + 1;
        return { bySubscription, probed: [...state.probed] } satisfies ReceiverProgress;
      }
      case 'stats': {
        const stats: ReceiverStats = {
          bySubscription: {},
          duplicates: 0,
          duplicatePairs: 0,
          requests: state.requests,
          acceptedMs: {},
          sentMs: {},
          receivedAt: {},
        };
        for (const copies of state.copies.values()) {
          if (copies > 1) {
            stats.duplicates += copies - 1;
            stats.duplicatePairs += 1;
          }
        }
        for (const receipt of state.firsts) {
          if (receipt.at > query.until) continue;
          const sub = (stats.bySubscription[receipt.subscription] ??= {
            distinct: 0,
            firstAt: null,
            lastAt: null,
          });
          sub.distinct += 1;
          sub.firstAt = Math.min(sub.firstAt ?? receipt.at, receipt.at);
          sub.lastAt = Math.max(sub.lastAt ?? receipt.at, receipt.at);
          (stats.acceptedMs[receipt.subscription] ??= []).push(receipt.acceptedMs);
          (stats.sentMs[receipt.subscription] ??= []).push(receipt.sentMs);
          (stats.receivedAt[receipt.subscription] ??= []).push(receipt.at);
        }
        return stats;
      }
      case 'forget':
        runs.delete(query.run);
        return null;
    }
  };

  process.on('message', (query: Query) => process.send?.({ id: query.id, result: answer(query) }));
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
}

/** The parent's handle on the receiver process. */
export class ReceiverClient {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: { id?: number; result?: unknown }) => {
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    });
  }

  static async start(): Promise<ReceiverClient> {
    const child = fork(__filename, ['receiver'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message: { port: number }) => resolve(message.port));
      child.once('exit', (code) => reject(new Error(`the receiver exited with ${code}`)));
    });
    return new ReceiverClient(child, port);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The URL a subscription of `label` posts to; `delayMs` makes the receiver answer that late. */
  url(label: string, delayMs = 0): string {
    return `http://127.0.0.1:${this.port}/hooks/${label}${delayMs > 0 ? `?delay_ms=${delayMs}` : ''}`;
  }

  progress(run: string): Promise<ReceiverProgress> {
    return this.ask({ kind: 'progress', run }) as Promise<ReceiverProgress>;
  }

  stats(run: string, until: number): Promise<ReceiverStats> {
    return this.ask({ kind: 'stats', run, until }) as Promise<ReceiverStats>;
  }

  async forget(run: string): Promise<void> {
    await this.ask({ kind: 'forget', run });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private ask(query: Question): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.child.send({ ...query, id }, (error) => {
        if (error) reject(error);
      });
    });
  }
}

if (require.main === module && process.argv[2] === 'receiver') runReceiver();
