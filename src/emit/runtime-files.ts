/**
 * The runtime sources copied into every output folder as runtime/*.js.
 *
 * In a build (dist/src/emit/ → dist/runtime/) they are tsc's output, copied with the source-map
 * comments stripped (the maps are not copied). Running from the TypeScript sources (tests, tsx),
 * dist may be stale or absent, so the runtime's .ts files are transpiled on the fly with the
 * `typescript` package — a dev dependency, present exactly when the sources are.
 */

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export interface RuntimeFile {
  name: string;
  text: string;
}

const runtimeDir = fileURLToPath(new URL('../../runtime/', import.meta.url));

let cached: RuntimeFile[] | undefined;

export async function runtimeFiles(): Promise<RuntimeFile[]> {
  if (cached) return cached;
  if (!existsSync(runtimeDir)) throw new Error(`the runtime folder is missing: ${runtimeDir}`);
  const names = readdirSync(runtimeDir);
  const js = names.filter((n) => n.endsWith('.js'));
  const ts = names.filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'));
  if (js.length > 0 && ts.length === 0) {
    cached = js.sort().map((name) => ({
      name,
      text: readFileSync(join(runtimeDir, name), 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '').trimEnd() + '\n',
    }));
  } else if (ts.length > 0) {
    const ts_ = (await import('typescript')).default;
    cached = ts.sort().map((name) => {
      const out = ts_.transpileModule(readFileSync(join(runtimeDir, name), 'utf8'), {
        compilerOptions: { module: ts_.ModuleKind.ES2022, target: ts_.ScriptTarget.ES2022 },
        fileName: name,
      });
      return { name: name.replace(/\.ts$/, '.js'), text: out.outputText };
    });
  } else {
    throw new Error(`no runtime sources in ${runtimeDir} (run npm run build)`);
  }
  return cached;
}
