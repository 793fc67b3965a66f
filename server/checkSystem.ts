import { analyze } from '../sandbox/lang/analysis.js';
import { chooseSystem } from '../sandbox/lang/systemCheck.js';
import { toRange } from './convert.js';
import { pathToUri, uriToPath } from './paths.js';
import type { ProjectView } from './view.js';
import type { CheckSystemParams, CheckSystemResult } from './protocol.js';

/**
 * `pvlab/checkSystem`: the check `pvlab run` makes before booting (the same
 * chooseSystem), on the server's current analysis — open documents as
 * edited, which after the extension saved them is what is on disk.
 */
export function checkSystem(project: ProjectView, params: CheckSystemParams | null | undefined): CheckSystemResult {
  const file = typeof params?.uri === 'string' ? uriToPath(params.uri) : undefined;
  if (file === undefined) return { ok: false, message: 'not a file', errors: 0 };
  const system = typeof params?.system === 'string' ? params.system : undefined;
  // A system file outside the workspace folders and not open is analysed on its own.
  const analysis = project.roots().includes(file) ? project.analysis() : analyze(project.ws, [file]);
  const checked = chooseSystem(analysis, { file, system });
  if (checked.ok) return { ok: true, message: '', errors: 0 };
  const d = checked.diagnostics[0];
  const source = d ? analysis.snapshot.file(d.file)?.source : undefined;
  const first = d && source ? { uri: pathToUri(d.file), range: toRange(source, d.span), code: d.code, message: d.message } : undefined;
  return { ok: false, message: checked.message, errors: checked.diagnostics.length, ...(first ? { first } : {}) };
}
