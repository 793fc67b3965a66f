import type { Hover, Position } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { COSTS } from '../sandbox/machine/costs.js';
import { INTRINSICS } from '../sandbox/lang/intrinsics.js';
import { HV_INTRINSICS } from '../sandbox/lang/hvIntrinsics.js';
import { occurrenceAt, type Decl, type Occurrence } from '../sandbox/lang/occurrences.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import { toOffset, toRange } from './convert.js';
import { contextsRunning } from '../sandbox/lang/bootContext.js';
import { hypercallCost, hypercallErrors, hypercallSignature, hypercallTrouble, implPlatformAt, intrinsicCosts, intrinsicSignature } from './describe.js';
import type { ProjectView } from './view.js';
import { bindingsHover } from './pvopBindings.js';

const code = (text: string): string => `\`\`\`pvk\n${text}\n\`\`\``;
const params = (ps: readonly A.Param[]): string => ps.map((p) => `${p.name.name}: ${p.type.name}`).join(', ');

export function hover(project: ProjectView, uri: string, position: Position): Hover | null {
  const parsed = project.parsed(uri);
  if (!parsed) return null;
  const offset = toOffset(parsed.source, position);
  const occ = occurrenceAt(project.occurrencesOf(parsed), offset);
  if (!occ) return null;
  const text = describe(project, parsed, occ);
  if (!text) return null;
  return { contents: { kind: 'markdown', value: text }, range: toRange(parsed.source, occ.span) };
}

function describe(project: ProjectView, parsed: ParsedFile, occ: Occurrence): string | undefined {
  const contexts = contextsRunning(project.analysis().contexts.get(parsed.source.path) ?? [], implPlatformAt(parsed.ast, occ.span.start));
  if (occ.kind === 'intrinsic') {
    const hv = HV_INTRINSICS[occ.name];
    if (hv) return [code(`${occ.name}(${hv.params.map((p) => `${p.name}: ${p.type}`).join(', ')})${hv.ret ? ` -> ${hv.ret}` : ''}`), `**hypervisor intrinsic** (only in \`abi\` blocks) — ${hv.doc}`, `- cost: ${hv.cost} cycle${hv.cost === 1 ? '' : 's'}, charged to the calling vCPU`].join('\n\n');
    const sig = INTRINSICS[occ.name];
    if (!sig) return undefined;
    return [code(intrinsicSignature(occ.name)), `**intrinsic** — ${sig.doc}`, ...intrinsicCosts(occ.name, contexts).map((l) => `- ${l}`)].join('\n\n');
  }
  const d = occ.decl;
  if (!d) return undefined;
  const text = describeDecl(d, contexts, occ);
  const bindings = bindingsHover(project, occ);
  return text && bindings ? `${text}\n\n${bindings}` : text;
}

function describeDecl(d: Decl, contexts: Parameters<typeof hypercallTrouble>[1], occ: Occurrence): string | undefined {
  if (!('kind' in d)) {
    const trouble = hypercallTrouble(d, contexts);
    const cls = d.cls === 'dom0' ? 'toolstack ABI, **dom0 only**, may change between versions' : 'guest ABI, **stable**';
    return [
      code(hypercallSignature(d)),
      `**hypercall #${d.number} ${d.name.name}** — ${cls}, since ${d.since}${d.table !== 'xen' ? ` · extension \`abi ${d.table}\`, handler in pvk (systems boot it with \`abi ${d.table};\`)` : ''}`,
      `cost: ${hypercallCost(d)}`,
      d.doc ? d.doc.split('\n').join(' ') : '',
      `errors: ${hypercallErrors(d).join('; ')}`,
      trouble.length > 0 ? `**in this workspace:** ${trouble.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  }
  switch (d.kind) {
    case 'fn': {
      const head = occ.implOf ? `impl of op ${occ.implOf.name.name} (${d.impl?.platform.name})` : d.abi ? `hypervisor helper of abi ${d.abi.name.name}: callable from its handlers and helpers only` : 'function';
      return `${code(`fn ${d.name.name}(${params(d.params)})${d.ret ? ` -> ${d.ret.name}` : ''}`)}\n\n${head}`;
    }
    case 'pvops':
      return `${code(`pvops ${d.name.name} { ${d.ops.map((o) => `fn ${o.name.name}(${params(o.params)})${o.ret ? ` -> ${o.ret.name}` : ''};`).join(' ')} }`)}\n\nparavirt operations table: pv domains bind \`impl ${d.name.name} for xen\`, native and hvm domains \`impl ${d.name.name} for native\``;
    case 'pvop-sig':
      return `${code(`fn ${d.name.name}(${params(d.params)})${d.ret ? ` -> ${d.ret.name}` : ''}`)}\n\npvop: a call costs ${COSTS.pvopIndirect} cycles through the ops table, ${COSTS.pvopPatched} with \`patch_pvops\``;
    case 'var':
      return `${code(`var ${d.name.name}: ${d.declared?.name ?? '?'} = ${d.initialValue ?? 0}`)}\n\n${d.abi ? `hypervisor global of abi ${d.abi.name.name}: one per machine, never visible to kernels` : 'global: one per domain, shared by its vCPUs'}`;
    case 'const':
      return `${code(`const ${d.name.name}${d.declared ? `: ${d.declared.name}` : ''} = ${String(d.value ?? '?')}`)}\n\ncompile-time constant`;
    case 'let':
      return code(`let ${d.name.name}: ${d.varType ?? '?'}`);
    case 'param':
      return `${code(`${d.name.name}: ${d.type.name}`)}\n\nparameter`;
    case 'for':
      return `${code(`${d.name.name}: u32`)}\n\nloop variable (cannot be assigned)`;
    case 'system':
      return `${code(`system ${d.name.name}`)}\n\n${d.domains.length} domain${d.domains.length === 1 ? '' : 's'}: ${d.domains.map((x) => x.name.name).join(', ')}`;
    case 'domain':
      return `${code(`domain ${d.decl.name.name}`)}\n\nin system ${d.system.name.name}: ${d.decl.props.map((p) => [p.name.name, ...p.values.map((v) => (v.kind === 'string' ? `"${v.text}"` : v.text))].join(' ')).join('; ')}`;
  }
}
