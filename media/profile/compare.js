// @ts-check
// The comparison chart (`pvlab compare --json`, shaped by extension/compareModel.ts): per domain,
// one bar per variant — native, pv, pv with patched pvops, hvm — scaled to the domain's largest,
// with its cycles, overhead against the baseline and notes; then its hot functions per variant.
(function () {
  'use strict';
  const ns = /** @type {any} */ (window).pvlabProfile;

  /**
   * Renders the comparison `view` into `container` (replacing what was there).
   * @param {HTMLElement} container @param {any} view
   */
  ns.renderComparison = (container, view) => {
    const parts = [
      ns.el('h2', '', `Compare · ${view.system}`),
      ns.el('p', 'hint', `Each domain booted native (alone on bare metal), pv, pv with patched pvops and hvm under hypervisor ${view.hypervisor}: its cycles, and the overhead against the baseline.`),
    ];
    for (const d of view.domains) {
      const chart = ns.el('div', 'cmp-chart');
      chart.setAttribute('role', 'img');
      chart.setAttribute('aria-label', `Cycles of ${d.name} per variant`);
      for (const b of d.bars) {
        const bar = ns.el('div', `cmp-bar v-${b.variant.replace(/[^a-z]/g, '-')}`);
        bar.style.width = `${Math.max(0, Math.min(1, b.width)) * 100}%`;
        const value = b.cycles === null ? '–' : `${ns.cycles(b.cycles)}${b.overhead ? ` · ${b.overhead}` : ''}`;
        const row = ns.el('div', `cmp-row${b.possible ? '' : ' impossible'}`, undefined, [
          ns.el('div', 'cmp-label', b.variant),
          ns.el('div', 'cmp-track', undefined, [bar]),
          ns.el('div', 'cmp-value', value),
        ]);
        row.title = [b.variant, value, b.notes].filter(Boolean).join('\n');
        chart.appendChild(row);
        if (b.notes) chart.appendChild(ns.el('div', 'cmp-notes', b.notes));
      }
      const section = ns.el('section', 'cmp-domain', undefined, [ns.el('h3', '', d.name, [ns.el('span', 'muted', ` domid ${d.id} · ${d.against}`)]), chart]);
      if (d.functions.length > 0) {
        section.appendChild(
          ns.table(
            ['Function', ...view.variants],
            d.functions.map((/** @type {any} */ f) => [f.name, ...f.cycles.map((/** @type {number | null} */ c) => (c === null ? '–' : c))]),
            'cmp-functions',
          ),
        );
      }
      parts.push(section);
    }
    container.replaceChildren(...parts);
    container.hidden = false;
  };
})();
