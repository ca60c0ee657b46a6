#!/usr/bin/env node
/**
 * The `onnx-wgsl` executable (package.json "bin"). All behaviour lives in program.ts so tests can
 * call it in-process; this file only connects it to the process. It sets process.exitCode rather
 * than calling process.exit so buffered stdout is flushed before Node exits.
 */

import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
