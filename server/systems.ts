import type { ProjectView } from './view.js';
import { pathToUri, uriToPath } from './paths.js';
import type { SystemsParams, SystemsResult } from './protocol.js';

/**
 * `pvlab/systems`: the systems of the current analysis (open documents as
 * edited, the workspace folders as on disk), in the analysis' order; only
 * those declared in `params.uri` when it names a file.
 */
export function systems(project: ProjectView, params: SystemsParams | null | undefined): SystemsResult {
  const uri = typeof params?.uri === 'string' ? params.uri : undefined;
  const file = uri === undefined ? undefined : uriToPath(uri);
  if (uri !== undefined && file === undefined) return [];
  return project
    .analysis()
    .systems.filter((s) => file === undefined || s.config.file === file)
    .map((s) => ({ uri: pathToUri(s.config.file), name: s.config.name }));
}
