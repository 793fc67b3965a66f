import { DebugSession } from '@vscode/debugadapter';
import { PvlabDebugSession } from './adapter.js';

/** The debug adapter process: DAP over stdio (dist/debugAdapter.js). */
DebugSession.run(PvlabDebugSession);
