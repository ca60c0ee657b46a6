/**
 * Runs prepare.ts (decode + compile) for the runner, either in a worker thread — the default when
 * the runner runs as compiled JavaScript (`npm run conformance`) — or inline on the calling thread,
 * which is what vitest can do (a worker thread cannot load the TypeScript sources).
 *
 * In a worker the timeout is real: a compile that runs past it is stopped by terminating the
 * worker, and the next test gets a fresh one; a worker that crashes (out of memory, say) costs only
 * the test it was compiling. Inline, synchronous compile code cannot be interrupted, so the timeout
 * can only be checked after the fact — acceptable for the regression test, which re-runs tests
 * that completed before.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TestCase } from './cases.js';
import type { PrepareReply, PrepareRequest } from './compile-worker.js';
import { prepareCase, type Prepared } from './prepare.js';

export type CompileMode = 'worker' | 'inline';

const WORKER_URL = new URL('./compile-worker.js', import.meta.url);

/** 'worker' when the compiled worker script sits next to this module, else 'inline'. */
export function defaultCompileMode(): CompileMode {
  return existsSync(fileURLToPath(WORKER_URL)) ? 'worker' : 'inline';
}

function failed(reason: string, started: number): Prepared {
  return { kind: 'done', status: 'error', reason, compileMs: Date.now() - started };
}

interface Pending {
  id: number;
  started: number;
  resolve: (p: Prepared) => void;
  timer: NodeJS.Timeout;
}

export class Preparer {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 1;

  constructor(
    readonly mode: CompileMode,
    private readonly timeoutMs: number,
  ) {}

  /** Prepares one test. One at a time: call again only after the previous promise settled. */
  prepare(testCase: TestCase): Promise<Prepared> {
    if (this.mode === 'inline') {
      const started = Date.now();
      const prepared = prepareCase(testCase);
      const took = Date.now() - started;
      if (took > this.timeoutMs) return Promise.resolve(failed(`timed out: compiling took ${(took / 1000).toFixed(0)} s`, started));
      return Promise.resolve(prepared);
    }
    if (this.pending) throw new Error('Preparer.prepare called while a test is still being prepared');
    const worker = this.ensureWorker();
    return new Promise<Prepared>((resolve) => {
      const id = this.nextId++;
      const started = Date.now();
      const timer = setTimeout(() => {
        this.finish(failed(`timed out after ${Math.round(this.timeoutMs / 1000)} s while decoding/compiling`, started));
        this.killWorker();
      }, this.timeoutMs);
      this.pending = { id, started, resolve, timer };
      const request: PrepareRequest = { id, testCase };
      worker.postMessage(request);
    });
  }

  private finish(result: Prepared): void {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = undefined;
    p.resolve(result);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    worker.on('message', (reply: PrepareReply) => {
      if (this.pending?.id === reply.id) this.finish(reply.prepared);
    });
    // An uncaught error or an abnormal exit ends this worker; the pending test fails with it.
    // A worker we terminated ourselves is no longer `this.worker`, and its exit is not news.
    const died = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.pending) this.finish(failed(why, this.pending.started));
    };
    worker.on('error', (e: Error) => died(`compile worker crashed: ${e.name}: ${e.message}`));
    worker.on('exit', (code) => died(`compile worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private killWorker(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
  }

  close(): void {
    this.killWorker();
  }
}
