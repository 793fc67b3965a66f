/**
 * package.json's contributions agree with the code (as rust-analyzer checks
 * its own): the debugger's launch schema and defaults are the adapter's
 * (sandbox/debug/launch.ts), the settings are those the one settings reader
 * reads (extension/settings.ts) with the run defaults (sandbox/run/options.ts),
 * and the custom LSP methods are named only in server/protocol.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { applyRunSettings, readRunSettings, SETTINGS_SECTION, type RunSettings } from '../../extension/settings.js';
import { DEBUG_TYPE, LAUNCH_ATTRIBUTES, launchConfiguration } from '../../sandbox/debug/launch.js';
import { RUN_DEFAULTS } from '../../sandbox/run/options.js';

const root = path.resolve(__dirname, '../..');

interface JsonSchemaProperty {
  type: string;
  default?: unknown;
  minimum?: number;
  description?: string;
}

interface PackageJson {
  contributes: {
    configuration: { properties: Record<string, JsonSchemaProperty> };
    debuggers: {
      type: string;
      configurationAttributes: { launch: { required: string[]; properties: Record<string, JsonSchemaProperty> } };
      initialConfigurations: Record<string, unknown>[];
      configurationSnippets: { body: Record<string, unknown> }[];
    }[];
  };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
}

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
const debuggerEntry = pkg.contributes.debuggers.find((d) => d.type === DEBUG_TYPE);
const settings = pkg.contributes.configuration.properties;

/** The run settings the reader reads, by name: the keys of RunSettings. */
const RUN_SETTING_NAMES = Object.keys(readRunSettings({ get: <T>(_key: string, fallback?: T) => fallback })) as (keyof RunSettings)[];

describe('the launch configuration schema is the adapter’s', () => {
  it('declares exactly the attributes the adapter reads, with their types and defaults', () => {
    expect(debuggerEntry, `a debugger of type ${DEBUG_TYPE}`).toBeDefined();
    const declared = debuggerEntry?.configurationAttributes.launch.properties ?? {};
    const expected = Object.fromEntries(
      Object.entries(LAUNCH_ATTRIBUTES).map(([name, a]) => [name, { type: a.type, ...(a.default !== undefined ? { default: a.default } : {}) }]),
    );
    const actual = Object.fromEntries(Object.entries(declared).map(([name, p]) => [name, { type: p.type, ...('default' in p ? { default: p.default } : {}) }]));
    expect(actual).toEqual(expected);
    for (const [name, p] of Object.entries(declared)) expect(p.description, `${name} has a description`).toMatch(/\S/);
  });

  it('requires what the adapter requires', () => {
    const required = Object.entries(LAUNCH_ATTRIBUTES).filter(([, a]) => a.required).map(([name]) => name);
    expect(debuggerEntry?.configurationAttributes.launch.required).toEqual(required);
  });

  it('a new launch.json starts from the same configuration as F5 and Debug System (stopOnEntry included)', () => {
    expect(debuggerEntry?.initialConfigurations).toEqual([launchConfiguration('Debug pvlab system', LAUNCH_ATTRIBUTES.program.default)]);
  });

  it('every snippet is a launch configuration of known attributes whose stopOnEntry is the default', () => {
    const attributes = LAUNCH_ATTRIBUTES as Record<string, { type: string }>;
    for (const { body } of debuggerEntry?.configurationSnippets ?? []) {
      expect(body.type).toBe(DEBUG_TYPE);
      expect(body.request).toBe('launch');
      for (const [name, value] of Object.entries(body)) {
        if (name === 'type' || name === 'request' || name === 'name') continue;
        expect(attributes[name], `snippet attribute ${name}`).toBeDefined();
        expect(typeof value, `snippet attribute ${name}`).toBe(attributes[name].type);
      }
      expect(body.stopOnEntry).toBe(LAUNCH_ATTRIBUTES.stopOnEntry.default);
    }
  });
});

describe('the settings are the ones Run, Debug and Profile read', () => {
  it('declares each run setting with the run default and its type', () => {
    for (const name of RUN_SETTING_NAMES) {
      const declared = settings[`${SETTINGS_SECTION}.${name}`];
      expect(declared, `${SETTINGS_SECTION}.${name}`).toBeDefined();
      expect(declared.default).toBe(RUN_DEFAULTS[name]);
      expect(declared.type).toBe(typeof RUN_DEFAULTS[name]);
    }
    expect(settings[`${SETTINGS_SECTION}.maxCycles`].minimum).toBe(1);
  });

  it('declares no setting nobody reads (pvlab.trace.server is read by the language client, whose id is pvlab; pvlab.hints by the server)', () => {
    expect(Object.keys(settings).sort()).toEqual([...RUN_SETTING_NAMES.map((n) => `${SETTINGS_SECTION}.${n}`), `${SETTINGS_SECTION}.trace.server`, `${SETTINGS_SECTION}.hints`].sort());
  });

  it('the reader takes each setting by its declared name and falls back to the declared default', () => {
    const values: Record<string, unknown> = { maxCycles: 1234, patchPvops: true };
    const set = { get: <T>(key: string, fallback?: T) => (key in values ? (values[key] as T) : fallback) };
    expect(readRunSettings(set)).toEqual({ maxCycles: 1234, patchPvops: true });
    const unset = { get: <T>(_key: string, fallback?: T) => fallback };
    expect(readRunSettings(unset)).toEqual(Object.fromEntries(RUN_SETTING_NAMES.map((n) => [n, settings[`${SETTINGS_SECTION}.${n}`].default])));
  });

  it('a launch configuration takes maxCycles and patchPvops from the settings unless it sets them', () => {
    const fromSettings: Record<string, unknown> = { type: DEBUG_TYPE, request: 'launch', name: 'x', program: '/s.pvk' };
    applyRunSettings(fromSettings, { maxCycles: 99, patchPvops: true });
    expect(fromSettings).toMatchObject({ maxCycles: 99, patchPvops: true });
    const explicit: Record<string, unknown> = { type: DEBUG_TYPE, request: 'launch', name: 'x', program: '/s.pvk', maxCycles: 5, patchPvops: false };
    applyRunSettings(explicit, { maxCycles: 99, patchPvops: true });
    expect(explicit).toMatchObject({ maxCycles: 5, patchPvops: false });
  });

  it('untrusted workspaces cannot change what a run does', () => {
    expect([...pkg.capabilities.untrustedWorkspaces.restrictedConfigurations].sort()).toEqual(RUN_SETTING_NAMES.map((n) => `${SETTINGS_SECTION}.${n}`).sort());
  });
});

describe('custom LSP methods have one home', () => {
  it('no file of the server or the extension but server/protocol.ts spells a pvlab/ method name', () => {
    const spelled: string[] = [];
    for (const dir of ['server', 'extension']) {
      for (const name of readdirSync(path.join(root, dir))) {
        if (!name.endsWith('.ts') || `${dir}/${name}` === 'server/protocol.ts') continue;
        const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, readFileSync(path.join(root, dir, name), 'utf8'));
        for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
          const isString = t === ts.SyntaxKind.StringLiteral || t === ts.SyntaxKind.NoSubstitutionTemplateLiteral || t === ts.SyntaxKind.TemplateHead;
          if (isString && /^pvlab\/\w/.test(scanner.getTokenValue())) spelled.push(`${dir}/${name}: ${scanner.getTokenValue()}`);
        }
      }
    }
    expect(spelled).toEqual([]);
  });
});
