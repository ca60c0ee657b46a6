/**
 * Worker-thread entry of the conformance runner: prepares (decodes and compiles) one test per
 * message and posts the result back. Running the compiler here rather than on the main thread
 * lets the runner enforce its timeout on a compile that never returns — synchronous code cannot
 * be interrupted, but a worker can be terminated — and lets a compile overlap the previous
 * test's GPU work on a second core.
 */

import { parentPort } from 'node:worker_threads';
import type { TestCase } from './cases.js';
import { prepareCase } from './prepare.js';

export interface PrepareRequest {
  id: number;
  testCase: TestCase;
}

export interface PrepareReply {
  id: number;
  prepared: ReturnType<typeof prepareCase>;
}

if (!parentPort) throw new Error('compile-worker.js must run as a worker thread');
const port = parentPort;

port.on('message', (msg: PrepareRequest) => {
  const prepared = prepareCase(msg.testCase);
  const reply: PrepareReply = { id: msg.id, prepared };
  // The weights move rather than copy; they own their buffer (prepare.ts makes sure).
  port.postMessage(reply, prepared.kind === 'ready' ? [prepared.weights.buffer as ArrayBuffer] : []);
});
