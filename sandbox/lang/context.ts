import type { BootContext } from './bootContext.js';
import type { Snapshot } from './snapshot.js';
import type { SystemConfig } from './systems.js';

/**
 * For every file that some system boots (a kernel, or a file its kernel
 * imports), the ways it is booted. A file no system boots is absent.
 */
export function bootContexts(files: Snapshot, systems: readonly SystemConfig[]): Map<string, BootContext[]> {
  const contexts = new Map<string, BootContext[]>();
  for (const s of systems) {
    for (const d of s.domains) {
      const context: BootContext = {
        system: s.name,
        systemFile: s.file,
        domain: d.name,
        domid: d.domid,
        privileged: d.privileged,
        mode: d.mode,
        hypervisor: s.hypervisor,
        abis: s.abis,
      };
      for (const f of files.closure(d.kernel)) {
        const list = contexts.get(f.source.path) ?? [];
        list.push(context);
        contexts.set(f.source.path, list);
      }
    }
  }
  return contexts;
}
