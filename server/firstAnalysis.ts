import type { Connection } from 'vscode-languageserver';
import type { Project } from './project.js';

/**
 * The first analysis of the workspace, when the client is ready: with a
 * `window/workDoneProgress` ("pvlab: analysing N .pvk files") where the
 * client shows progress, so that the time between opening the first file and
 * its diagnostics and lenses is not a silent one. The project is held from
 * `initialize` on (see server.ts); the analysis runs in the background once
 * the progress has begun, and the progress ends after its diagnostics.
 */
export async function firstAnalysis(connection: Connection, project: Project): Promise<void> {
  let reporter: Awaited<ReturnType<Connection['window']['createWorkDoneProgress']>> | undefined;
  try {
    reporter = await connection.window.createWorkDoneProgress();
  } catch {
    // The client refused the token: analyse without progress.
  }
  const files = project.roots().length;
  reporter?.begin('pvlab', undefined, `analysing ${files} .pvk file${files === 1 ? '' : 's'}`, false);
  project.release();
  try {
    await project.whenCurrent();
  } catch {
    // A failed analysis is logged by the project; the progress ends all the same.
  } finally {
    reporter?.done();
  }
}
