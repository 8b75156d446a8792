import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Results } from '@electric-sql/pglite';

/**
 * The embedded database on a thread of its own. PGlite runs Postgres compiled to WebAssembly,
 * synchronously: on the service's main thread every statement stopped everything else (the
 * relayer spent a third of its main thread in it during a burst). Here statements run beside
 * the main thread's RPC, signing and encoding, on another core.
 *
 * The thread serves one statement at a time, in the order they were sent: the same single
 * connection PGlite is, so `pgliteDriver`'s one-runner-at-a-time pool keeps transactions
 * isolated as before.
 */
export interface PGliteThread {
  /** A statement with parameters (the extended protocol). */
  query(text: string, params: unknown[]): Promise<Results<unknown>>;
  /** Statements without parameters (the simple protocol); the last statement's result. */
  exec(text: string): Promise<Results<unknown>>;
  /**
   * Settles, with the reason, once the database has stopped for good while open: its thread died,
   * or Postgres raised a PANIC or FATAL (after which PGlite, one process with no postmaster to
   * restart it, fails every statement). Later statements are refused with that reason. It never
   * settles when the database is closed.
   */
  readonly lost: Promise<Error>;
  close(): Promise<void>;
}

/** What the main thread asks of the thread (each sent with an id its reply carries). */
type Operation = { op: 'query'; text: string; params: unknown[] } | { op: 'exec'; text: string } | { op: 'close' };

type Reply = { id: number; result?: Results<unknown>; error?: SerializedError };

interface SerializedError {
  message: string;
  name: string;
  /** Postgres's fields (code, detail, constraint, …), which callers and TypeORM read. */
  fields: Record<string, unknown>;
}

/**
 * The thread's code. Plain CommonJS evaluated by the worker, so that it runs the same from the
 * sources (tests) and the build; it loads PGlite from the path the main thread resolved.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const serialize = (error) => {
  const fields = {};
  if (error && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (key === 'params' || key === 'queryOptions') continue;
      if (value === undefined || typeof value === 'function' || (typeof value === 'object' && value !== null)) continue;
      fields[key] = value;
    }
  }
  return {
    message: error instanceof Error ? error.message : String(error),
    name: error instanceof Error ? error.name : 'Error',
    fields,
  };
};
const opened = workerData.dataDir
  ? PGlite.create(workerData.dataDir, workerData.options)
  : PGlite.create(workerData.options);
opened.then(
  (db) => {
    parentPort.postMessage({ id: 0 });
    let tail = Promise.resolve();
    parentPort.on('message', (request) => {
      tail = tail.then(async () => {
        try {
          if (request.op === 'close') {
            await db.close();
            parentPort.postMessage({ id: request.id });
            parentPort.close();
            return;
          }
          const result =
            request.op === 'query'
              ? await db.query(request.text, request.params)
              : (await db.exec(request.text)).at(-1) ?? { rows: [], fields: [] };
          parentPort.postMessage({ id: request.id, result });
        } catch (error) {
          parentPort.postMessage({ id: request.id, error: serialize(error) });
        }
      });
    });
  },
  (error) => parentPort.postMessage({ id: 0, error: serialize(error) }),
);
`;

/** Severities after which Postgres ends its session (a server would restart its backends). */
const ENDING_SEVERITIES: ReadonlySet<unknown> = new Set(['PANIC', 'FATAL']);

/** An error from the thread, with Postgres's fields back on it (`code`, `constraint`, …). */
function revive(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  return Object.assign(error, serialized.fields);
}

/**
 * Starts the thread and opens PGlite in it: in `dataDir` (which must already hold a database),
 * or in memory without one. Rejects with the open's error.
 */
export async function openPgliteThread(
  dataDir: string | undefined,
  options: Record<string, unknown>,
): Promise<PGliteThread> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // no inherited options: with the program's (`--input-type=module`, say) the source would not
  // run as the CommonJS it is
  const worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [], workerData: { pglite, dataDir, options } });
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  let closing = false;
  let closed = false;
  let markLost: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (markLost = resolve));
  // the thread keeps the process alive only while a statement is on it: an idle database does
  // not hold a finished program open, and a program awaiting a statement is not cut short
  const keepAlive = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const opened = new Promise<void>((resolve, reject) => {
    pending.set(0, {
      resolve: (reply) => (reply.error ? reject(revive(reply.error)) : resolve()),
      reject,
    });
  });
  worker.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    keepAlive();
    waiter?.resolve(reply);
  });
  const fail = (error: Error) => {
    if (!failure) {
      failure = error;
      if (!closing) markLost(error);
    }
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
    keepAlive();
  };
  worker.on('error', (error) =>
    fail(new Error(`the embedded database's thread failed: ${error.message}`, { cause: error })),
  );
  worker.on('exit', (code) => fail(new Error(`the embedded database's thread exited (code ${code})`)));

  try {
    await opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  keepAlive();

  const send = (request: Operation): Promise<Reply> => {
    if (closed) return Promise.reject(new Error('the embedded database is closed'));
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      keepAlive();
      worker.postMessage({ ...request, id });
    });
  };
  const result = async (request: Operation): Promise<Results<unknown>> => {
    const reply = await send(request);
    if (reply.error) {
      const error = revive(reply.error);
      const severity = reply.error.fields['severity'];
      if (ENDING_SEVERITIES.has(severity)) {
        const reason = `the embedded database stopped after a ${String(severity)} (${error.message}): restart the service`;
        fail(new Error(reason, { cause: error }));
      }
      throw error;
    }
    return reply.result ?? { rows: [], fields: [] };
  };

  return {
    query: (text, params) => result({ op: 'query', text, params }),
    exec: (text) => result({ op: 'exec', text }),
    lost,
    close: async () => {
      if (closed) return;
      closing = true;
      try {
        if (!failure) await send({ op: 'close' });
      } finally {
        closed = true;
        await worker.terminate();
      }
    },
  };
}
