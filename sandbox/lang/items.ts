import type { AbiItem, ConstItem, FnItem, HypercallDecl, ImplItem, PvopsItem, SystemItem, VarItem } from './ast.js';
import type { ParsedFile } from './program.js';

export type ValueItem = FnItem | VarItem | ConstItem | PvopsItem;

export interface ImplPair {
  native?: ImplItem;
  xen?: ImplItem;
}

/** A name defined more than once among the files of one closure. */
export interface DuplicateItem {
  name: string;
  first: ValueItem | ImplItem;
  second: ValueItem | ImplItem;
}

/** The top-level items visible from one file: its own and everything it imports, transitively. */
export interface ItemTable {
  values: Map<string, ValueItem>;
  impls: Map<string, ImplPair>;
  systems: SystemItem[];
  duplicates: DuplicateItem[];
  /** The `abi` blocks of the closure other than `xen`: hypervisor extensions, in closure order. */
  extensions: AbiItem[];
  /** The extension hypercalls visible by name (the first declaration of a name wins). */
  extensionHypercalls: Map<string, HypercallDecl>;
}

/** Builds the item table of a closure, first definition winning (files in closure order). */
export function buildItemTable(closure: readonly ParsedFile[]): ItemTable {
  const values = new Map<string, ValueItem>();
  const impls = new Map<string, ImplPair>();
  const systems: SystemItem[] = [];
  const duplicates: DuplicateItem[] = [];
  const extensions: AbiItem[] = [];
  const extensionHypercalls = new Map<string, HypercallDecl>();
  for (const file of closure) {
    for (const item of file.ast.items) {
      switch (item.kind) {
        case 'fn':
        case 'var':
        case 'const':
        case 'pvops': {
          const first = values.get(item.name.name);
          if (first) duplicates.push({ name: item.name.name, first, second: item });
          else values.set(item.name.name, item);
          break;
        }
        case 'impl': {
          const platform = item.platform.name;
          if (platform !== 'native' && platform !== 'xen') break;
          const pair = impls.get(item.group.name) ?? {};
          const first = pair[platform];
          if (first) duplicates.push({ name: `impl ${item.group.name} for ${platform}`, first, second: item });
          else pair[platform] = item;
          impls.set(item.group.name, pair);
          break;
        }
        case 'system':
          systems.push(item);
          break;
        case 'abi':
          if (item.name.name === 'xen') break;
          extensions.push(item);
          for (const h of item.hypercalls) if (!extensionHypercalls.has(h.name.name)) extensionHypercalls.set(h.name.name, h);
          break;
        default:
          break;
      }
    }
  }
  return { values, impls, systems, duplicates, extensions, extensionHypercalls };
}
