// @ts-check
// The profile webview's entry: asks the extension for the profile ("ready"), renders the
// header, flame graphs, timeline and tables, and keeps the file locations and UI state (zoom,
// scroll) in the webview state so that a reload or a restored panel looks the same.
(function () {
  'use strict';
  const ns = /** @type {any} */ (window).pvlabProfile;
  // acquireVsCodeApi is injected by VS Code into every webview.
  const vscode = /** @type {any} */ (window).acquireVsCodeApi();

  /** @type {{ files?: { json: string, cpuprofile: string }, comparison?: string, key?: string, ui: { zoom: Record<string, number>, scrollY: number } }} */
  const state = { ui: { zoom: {}, scrollY: 0 }, ...(vscode.getState() ?? {}) };
  state.ui = { zoom: {}, scrollY: 0, ...state.ui };
  const save = () => vscode.setState(state);
  /** @param {unknown} msg */
  const post = (msg) => vscode.postMessage(msg);

  const content = /** @type {HTMLElement} */ (document.getElementById('content'));
  const facts = /** @type {HTMLElement} */ (document.getElementById('facts'));
  const actions = /** @type {HTMLElement} */ (document.getElementById('actions'));
  const title = /** @type {HTMLElement} */ (document.getElementById('title'));
  const comparison = /** @type {HTMLElement} */ (document.getElementById('comparison'));
  let profileShown = false;

  /** @type {(() => void) | undefined} */
  let redrawFlames;
  let pendingFrame = 0;
  new ResizeObserver(() => {
    if (pendingFrame || !redrawFlames) return;
    pendingFrame = requestAnimationFrame(() => {
      pendingFrame = 0;
      redrawFlames?.();
    });
  }).observe(content);

  let scrollTimer = 0;
  window.addEventListener('scroll', () => {
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(() => {
      state.ui.scrollY = window.scrollY;
      save();
    }, 150);
  });

  const END = { exited: 'every domain exited', deadlock: 'deadlock', 'max-cycles': 'cycle limit reached' };

  /** @param {string} message */
  function showProblem(message) {
    redrawFlames = undefined;
    content.replaceChildren(ns.el('p', 'note', message));
  }

  /** @param {any} view */
  function render(view) {
    profileShown = true;
    title.textContent = `Profile · ${view.system}`;
    facts.replaceChildren(
      ...[
        view.hypervisor ? `hypervisor ${view.hypervisor}` : 'bare metal',
        `${view.pcpus} pcpu${view.pcpus === 1 ? '' : 's'}`,
        `${ns.cycles(view.elapsed)} cycles elapsed`,
        `ended: ${END[/** @type {keyof END} */ (view.end)] ?? view.end}`,
        `hypervisor ${ns.cycles(view.hypervisorCycles)} · idle ${ns.cycles(view.idleCycles)} cycles`,
      ].map((t) => ns.el('span', 'fact', t)),
    );
    const open = ns.el('button', 'primary', 'Open .cpuprofile in VS Code’s profile viewer');
    open.id = 'open-cpuprofile';
    open.title = `Opens the written .cpuprofile with VS Code’s own profile editor. In it, ${view.timeUnit}.`;
    open.addEventListener('click', () => post({ type: 'openCpuProfile' }));
    const unit = ns.el('span', 'unit-note', `.cpuprofile and trace: ${view.timeUnit}`);
    unit.id = 'time-unit';
    actions.replaceChildren(open, unit);

    const flames = ns.el('section', 'part', undefined, [ns.el('h2', '', 'Flame graphs'), ns.el('p', 'hint', 'Width is total cycles. Hover a frame for its cycles and share; click to zoom.')]);
    const timeline = ns.el('section', 'part', undefined, [ns.el('h2', '', 'vCPU timeline')]);
    const tables = ns.el('section', 'part', undefined, [ns.el('h2', '', 'Domains, hypercalls, traps and VM exits')]);
    content.replaceChildren(flames, timeline, tables);
    redrawFlames = ns.renderFlames(flames, view, state.ui, post, save);
    ns.renderTimeline(timeline, view);
    ns.renderTables(tables, view);
    redrawFlames?.();
    window.scrollTo(0, state.ui.scrollY);
  }

  window.addEventListener('message', (ev) => {
    const msg = ev.data;
    if (msg?.type === 'profile') {
      // A different profile than the one the UI state was for: start unzoomed at the top.
      const key = `${msg.files.json}|${msg.view.total}|${msg.view.elapsed}|${msg.view.flames.map((/** @type {any} */ f) => f.frames.length).join(',')}`;
      if (state.key !== key) state.ui = { zoom: {}, scrollY: 0 };
      state.key = key;
      state.files = msg.files;
      save();
      render(msg.view);
    } else if (msg?.type === 'comparison') {
      state.comparison = msg.file;
      save();
      ns.renderComparison(comparison, msg.view);
      if (!profileShown) {
        title.textContent = `Compare · ${msg.view.system}`;
        content.replaceChildren(ns.el('p', 'note', 'Profile a system (its Profile lens) to see here where its cycles go.'));
      }
    } else if (msg?.type === 'problem') {
      showProblem(String(msg.message));
    }
  });
  post({ type: 'ready' });
})();
