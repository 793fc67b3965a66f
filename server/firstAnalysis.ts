import type { Connection } from 'vscode-languageserver';
import type { DiagnosticsPublisher } from './diagnostics.js';
import type { Project } from './project.js';

/**
 * The first analysis of the workspace, when the client is ready: with a
 * `window/workDoneProgress` ("pvlab: analysing N .pvk files") where the
 * client shows progress, so that the time between opening the first file and
 * its diagnostics and lenses is not a silent one.
 */
export async function firstAnalysis(connection: Connection, project: Project, publisher: DiagnosticsPublisher, progressSupported: boolean): Promise<void> {
  if (!progressSupported) return publisher.schedule();
  let reporter: Awaited<ReturnType<Connection['window']['createWorkDoneProgress']>> | undefined;
  try {
    reporter = await connection.window.createWorkDoneProgress();
  } catch {
    // The client refused the token: analyse without progress.
  }
  const files = project.roots().length;
  reporter?.begin('pvlab', undefined, `analysing ${files} .pvk file${files === 1 ? '' : 's'}`, false);
  // Let the begin go out before the (synchronous) analysis.
  await new Promise((resolve) => setImmediate(resolve));
  try {
    publisher.publishNow();
  } finally {
    reporter?.done();
  }
}
