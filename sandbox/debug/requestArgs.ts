/**
 * The arguments of each DAP request the pvlab adapter handles, checked
 * before the request reaches its handler: a client that sends a number where
 * a path belongs, an array where an object belongs, or nothing at all, gets
 * an error response that says which argument is wrong, instead of whatever
 * the handler would have done with it. Only what the adapter reads is
 * checked; other fields are left alone.
 */

type Check = (value: unknown) => boolean;

interface Field {
  check: Check;
  /** How the argument must look, for the message. */
  what: string;
  required?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const integer: Check = (v) => Number.isSafeInteger(v);
const natural: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const string: Check = (v) => typeof v === 'string';
const boolean: Check = (v) => typeof v === 'boolean';
const arrayOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(item);
const shaped =
  (fields: Record<string, Field>): Check =>
  (v) =>
    isObject(v) && problemIn(fields, v) === undefined;

const field = (check: Check, what: string, required = false): Field => ({ check, what, required });
const threadId = field(integer, 'a thread id (an integer)', true);

const LINE_BREAKPOINT = shaped({
  line: field(integer, 'an integer', true),
  condition: field(string, 'a string'),
  hitCondition: field(string, 'a string'),
  logMessage: field(string, 'a string'),
});

/** Per request, the arguments the adapter reads. */
const REQUESTS: Record<string, Record<string, Field>> = {
  initialize: {
    adapterID: field(string, 'the adapter id (a string)', true),
    linesStartAt1: field(boolean, 'a boolean'),
    columnsStartAt1: field(boolean, 'a boolean'),
    pathFormat: field(string, 'a string'),
  },
  launch: {
    program: field(string, 'the path of a system file (a string)', true),
    system: field(string, 'a system name (a string)'),
    stopOnEntry: field(boolean, 'a boolean'),
    maxCycles: field((v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a whole number of cycles, at least 1'),
    patchPvops: field(boolean, 'a boolean'),
  },
  setBreakpoints: {
    source: field(shaped({ path: field(string, 'a string') }), 'a source (an object with a path)', true),
    breakpoints: field(arrayOf(LINE_BREAKPOINT), 'a list of breakpoints, each with an integer line'),
    lines: field(arrayOf(integer), 'a list of integer lines'),
  },
  setFunctionBreakpoints: {
    breakpoints: field(arrayOf(shaped({ name: field(string, 'a string', true), condition: field(string, 'a string'), hitCondition: field(string, 'a string') })), 'a list of function breakpoints, each with a name', true),
  },
  setExceptionBreakpoints: {
    filters: field(arrayOf(string), 'a list of filter names', true),
  },
  continue: { threadId },
  next: { threadId },
  stepIn: { threadId },
  stepOut: { threadId },
  stepBack: { threadId },
  reverseContinue: { threadId },
  pause: { threadId },
  stackTrace: { threadId, startFrame: field(natural, 'a frame index (an integer, 0 or more)'), levels: field(natural, 'a number of frames (an integer, 0 or more)') },
  scopes: { frameId: field(integer, 'a frame id (an integer)', true) },
  variables: { variablesReference: field(integer, 'a variables reference (an integer)', true) },
  setVariable: {
    variablesReference: field(integer, 'a variables reference (an integer)', true),
    name: field(string, 'a variable name (a string)', true),
    value: field(string, 'an expression (a string)', true),
  },
  evaluate: { expression: field(string, 'an expression (a string)', true), frameId: field(integer, 'a frame id (an integer)'), context: field(string, 'a string') },
  dataBreakpointInfo: { name: field(string, 'a name (a string)', true), variablesReference: field(integer, 'a variables reference (an integer)'), frameId: field(integer, 'a frame id (an integer)') },
  setDataBreakpoints: {
    breakpoints: field(arrayOf(shaped({ dataId: field(string, 'a data id (a string)', true) })), 'a list of data breakpoints, each with a data id', true),
  },
  readMemory: { memoryReference: field(string, 'a memory reference (a string)', true), offset: field(integer, 'an integer'), count: field(natural, 'a number of bytes (an integer, 0 or more)', true) },
  writeMemory: { memoryReference: field(string, 'a memory reference (a string)', true), offset: field(integer, 'an integer'), data: field(string, 'base64 data (a string)', true) },
  configurationDone: {},
  threads: {},
  terminate: {},
  disconnect: {},
};

/** Requests the adapter does not offer (its capabilities leave them out): refused by name. */
export const UNSUPPORTED_REQUESTS: ReadonlySet<string> = new Set([
  'attach',
  'restart',
  'restartFrame',
  'goto',
  'gotoTargets',
  'stepInTargets',
  'setExpression',
  'source',
  'terminateThreads',
  'completions',
  'exceptionInfo',
  'loadedSources',
  'disassemble',
  'cancel',
  'breakpointLocations',
  'setInstructionBreakpoints',
  'runInTerminal',
  'startDebugging',
]);

/** A piece of client text to quote in a message: short, on one line. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const line = text.replace(/\s+/g, ' ');
  return `'${line.length > 200 ? `${line.slice(0, 200)}…` : line}'`;
}

function problemIn(fields: Record<string, Field>, args: Record<string, unknown>): string | undefined {
  for (const [name, f] of Object.entries(fields)) {
    const value = Object.prototype.hasOwnProperty.call(args, name) ? args[name] : undefined;
    if (value === undefined || value === null) {
      if (f.required) return `${name} is missing (it must be ${f.what})`;
      continue;
    }
    if (!f.check(value)) return `${name} must be ${f.what}, not ${quote(value)}`;
  }
  return undefined;
}

/**
 * What is wrong with a request before any handler sees it, or undefined.
 * Unknown commands pass (the session answers them as unrecognized).
 */
export function requestProblem(command: unknown, args: unknown): string | undefined {
  if (typeof command !== 'string') return `a request needs a command name (a string), not ${quote(command)}`;
  if (UNSUPPORTED_REQUESTS.has(command)) return `the pvlab debugger does not support the '${command}' request`;
  if (!Object.prototype.hasOwnProperty.call(REQUESTS, command)) return undefined;
  const fields = REQUESTS[command];
  if (args === undefined || args === null) {
    const required = Object.entries(fields).find(([, f]) => f.required);
    return required ? `'${command}' needs arguments: ${required[0]} is missing (it must be ${required[1].what})` : undefined;
  }
  if (!isObject(args)) return `the arguments of '${command}' must be an object, not ${quote(args)}`;
  const problem = problemIn(fields, args);
  return problem && `invalid arguments for '${command}': ${problem}`;
}
