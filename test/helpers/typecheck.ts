/**
 * Type-checks a TypeScript consumer of a generated model.d.ts the way a user's strict project
 * would (ES2022, NodeNext modules, DOM lib for the WebGPU types) and returns the diagnostics'
 * texts: an empty list means the generated types accept the program.
 */

import ts from 'typescript';

export function typecheckConsumer(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
