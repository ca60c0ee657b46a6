/**
 * `npm run conformance`: runs the ONNX backend conformance tests and writes
 * test/conformance/REPORT.md and test/conformance/results.json (the regression test's baseline).
 *
 *   node dist/test/conformance/run.js [--suite node,simple] [--filter <regex>] [--timeout <s>] [--no-write]
 *
 * A partial run (--suite or --filter) prints its results but never overwrites the report or the
 * baseline, which must describe the whole data set. Progress goes to stderr, one line per 50 tests.
 * The exit status is 0 whenever the run completed: failures are data for the report, not a crash.
 */

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSuite, SUITES, type Suite } from './cases.js';
import { renderReport, resultsJson, summaryLine } from './report.js';
import { runConformance, type TestResult } from './runner.js';

interface CliOptions {
  suites: Suite[];
  filter?: RegExp;
  write: boolean;
  timeoutMs?: number;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): CliOptions {
  const opts: CliOptions = { suites: [...SUITES], write: true };
  let suitesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--suite': {
        const names = value().split(',').filter((s) => s !== '');
        for (const n of names) if (!isSuite(n)) throw new UsageError(`unknown suite '${n}' (suites: ${SUITES.join(', ')})`);
        opts.suites = suitesGiven ? [...opts.suites, ...(names as Suite[])] : (names as Suite[]);
        suitesGiven = true;
        break;
      }
      case '--filter': {
        const source = value();
        try {
          opts.filter = new RegExp(source);
        } catch (e) {
          throw new UsageError(`--filter: ${(e as Error).message}`);
        }
        break;
      }
      case '--timeout': {
        const s = Number(value());
        if (!(s > 0)) throw new UsageError('--timeout takes a positive number of seconds');
        opts.timeoutMs = s * 1000;
        break;
      }
      case '--no-write':
        opts.write = false;
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          'usage: node dist/test/conformance/run.js [--suite node,pytorch-converted,pytorch-operator,simple] ' +
            '[--filter <regex>] [--timeout <seconds per stage>] [--no-write]\n',
        );
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return opts;
}

/** Where the sources live: run.js is in dist/test/conformance, REPORT.md in test/conformance. */
function sourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'test', 'conformance')}`) ? resolve(here, '../../../test/conformance') : here;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const partial = opts.filter !== undefined || opts.suites.length !== SUITES.length;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  const seen: TestResult[] = [];

  const run = await runConformance({
    suites: opts.suites,
    ...(opts.filter ? { filter: opts.filter } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    onProgress: (r: TestResult, done, total) => {
      seen.push(r);
      if (partial && total <= 50) log(`${r.suite}/${r.name}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}`);
      if (done % 50 === 0 || done === total) {
        log(`[${done}/${total}] ${((Date.now() - started) / 1000).toFixed(0)} s — ${summaryLine(seen)}`);
      }
    },
  });
  log(`done in ${(run.wallMs / 1000).toFixed(1)} s on ${run.adapter}: ${summaryLine(run.results)}`);

  if (!opts.write) return;
  if (partial) {
    log('partial run (--suite/--filter): REPORT.md and results.json left as they are');
    return;
  }
  const dir = sourceDir();
  const command = `npm run conformance${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  writeFileSync(join(dir, 'REPORT.md'), renderReport(run, { command, date: new Date() }));
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(resultsJson(run.results), null, 1)}\n`);
  log(`wrote ${join(dir, 'REPORT.md')} and results.json`);
}

// Exit explicitly: a device abandoned after a GPU timeout may still be running its shader, and
// waiting for it would add its whole run time to ours.
main().then(() => process.exit(0), (e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`conformance: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`conformance: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
