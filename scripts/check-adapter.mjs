// Fails (exit 1) when no WebGPU adapter is available: GPU tests must run, never skip.
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter();
if (!adapter) {
  console.error('check-adapter: no WebGPU adapter. Install mesa-vulkan-drivers from bookworm-backports (see .ci/run).');
  process.exit(1);
}
const info = adapter.info;
console.log(`check-adapter: ${info.vendor || '?'} ${info.architecture || ''} ${info.device || ''} ${info.description || ''}`.trim());
process.exit(0);
