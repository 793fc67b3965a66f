// @ts-check
// The tables: every domain's running / runnable / blocked time, then per domain its hypercalls,
// traps and VM exits with count, total and min / avg / max cycles.
(function () {
  'use strict';
  const ns = /** @type {any} */ (window).pvlabProfile;

  /**
   * A table; cells that are numbers are right-aligned and formatted.
   * @param {string[]} head @param {(string | number)[][]} rows @param {string} [className]
   */
  function table(head, rows, className) {
    const thead = ns.el('thead', '', undefined, [ns.el('tr', '', undefined, head.map((h, i) => ns.el('th', i < 2 ? '' : 'num', h)))]);
    const tbody = ns.el(
      'tbody',
      '',
      undefined,
      rows.map((r) => ns.el('tr', '', undefined, r.map((c) => (typeof c === 'number' ? ns.el('td', 'num', ns.cycles(c)) : ns.el('td', '', c))))),
    );
    // In a narrow editor the table scrolls sideways inside its box instead of widening the page.
    return ns.el('div', 'table-wrap', undefined, [ns.el('table', className ?? '', undefined, [thead, tbody])]);
  }

  ns.table = table;

  /**
   * Renders the domain overview and the per-domain event tables into `container`.
   * @param {HTMLElement} container @param {any} view
   */
  ns.renderTables = (container, view) => {
    container.appendChild(
      table(
        ['Domain', 'Mode', 'Running', 'Runnable', 'Blocked', 'Upcalls', 'pvop calls'],
        view.tables.map((/** @type {any} */ d) => [d.name, d.mode, d.running, d.runnable, d.blocked, d.upcalls.count, d.pvopCalls]),
        'domains',
      ),
    );
    for (const d of view.tables) {
      /** @type {(string | number)[][]} */
      const rows = [];
      for (const [kind, list] of /** @type {[string, any[]][]} */ ([['hypercall', d.hypercalls], ['trap', d.traps], ['VM exit', d.vmexits]])) {
        for (const s of list) rows.push([kind, s.name, s.count, s.cycles, s.min, Math.round(s.avg), s.max]);
      }
      if (d.upcalls.count > 0) rows.push(['upcall', 'event delivery', d.upcalls.count, d.upcalls.cycles, d.upcalls.min, Math.round(d.upcalls.avg), d.upcalls.max]);
      const section = ns.el('section', 'domain-table', undefined, [ns.el('h3', '', d.name, [ns.el('span', 'muted', ` ${d.mode}`)])]);
      if (rows.length === 0) section.appendChild(ns.el('p', 'note', 'No hypercalls, traps, VM exits or upcalls.'));
      else section.appendChild(table(['Kind', 'Name', 'Count', 'Total cycles', 'Min', 'Avg', 'Max'], rows, 'events'));
      container.appendChild(section);
    }
  };
})();
