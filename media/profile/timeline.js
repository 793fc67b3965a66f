// @ts-check
// The vCPU timeline: one row per vCPU over machine time, with its run, hypercall, trap, VM exit
// and upcall slices (rows with very many slices arrive bucketed from the extension).
(function () {
  'use strict';
  const ns = /** @type {any} */ (window).pvlabProfile;
  const KINDS = ['run', 'hypercall', 'trap', 'vmexit', 'upcall'];
  const KIND_TEXT = { run: 'running', hypercall: 'hypercall', trap: 'trap', vmexit: 'VM exit', upcall: 'upcall' };
  const MARK_TEXT = { send: 'event sent', deliver: 'event delivered', timer: 'timer fired' };

  /** @param {any} seg @returns {string[]} */
  function describe(seg) {
    const lines = [seg.slices > 1 || seg.mix ? `${seg.slices} slices, mostly ${KIND_TEXT[/** @type {keyof KIND_TEXT} */ (seg.kind)]}` : seg.kind === 'run' ? 'running' : `${KIND_TEXT[/** @type {keyof KIND_TEXT} */ (seg.kind)]} ${seg.name}`];
    lines.push(`${ns.cycles(seg.start)} – ${ns.cycles(seg.end)} · ${ns.cycles(seg.end - seg.start)} cycles`);
    if (seg.mix) {
      const span = seg.end - seg.start;
      lines.push(
        KINDS.filter((k) => seg.mix[k])
          .map((k) => `${KIND_TEXT[/** @type {keyof KIND_TEXT} */ (k)]} ${ns.percent(seg.mix[k], span)}`)
          .join(' · '),
      );
    }
    return lines;
  }

  /**
   * Renders the timeline of `view.timeline` into `container`.
   * @param {HTMLElement} container @param {any} view
   */
  ns.renderTimeline = (container, view) => {
    const tl = view.timeline;
    const legend = ns.el('div', 'legend', undefined, [
      ...KINDS.map((k) => ns.el('span', 'legend-item', undefined, [ns.el('span', `swatch s-${k}`), ns.el('span', '', KIND_TEXT[/** @type {keyof KIND_TEXT} */ (k)])])),
      ...Object.entries(MARK_TEXT).map(([k, t]) => ns.el('span', 'legend-item', undefined, [ns.el('span', `mark-swatch m-${k}`), ns.el('span', '', t)])),
    ]);
    container.appendChild(legend);
    const notes = [];
    if (tl.truncated) notes.push('The run recorded more slices than the profiler keeps: the timeline ends early.');
    if (tl.bucketed) notes.push('Busy rows are drawn in buckets: each shows what took most of its time.');
    if (tl.marksCut) notes.push('Rows with very many events show only their first ones.');
    for (const n of notes) container.appendChild(ns.el('p', 'note', n));
    if (tl.rows.length === 0 || !(tl.elapsed > 0)) {
      container.appendChild(ns.el('p', 'note', 'No vCPU ran.'));
      return;
    }
    const axis = ns.el('div', 'tl-row tl-axis-row', undefined, [ns.el('div', 'tl-label', 'machine time'), ns.el('div', 'tl-axis')]);
    for (let i = 0; i <= 4; i++) {
      const tick = ns.el('span', 'tl-tick', ns.cycles((tl.elapsed * i) / 4));
      tick.style.left = `${i * 25}%`;
      if (i === 4) tick.classList.add('last');
      axis.lastElementChild?.appendChild(tick);
    }
    const rows = ns.el('div', 'tl-rows');
    tl.rows.forEach((/** @type {any} */ row, /** @type {number} */ r) => {
      const track = ns.el('div', 'tl-track');
      track.dataset.r = String(r);
      const frag = document.createDocumentFragment();
      row.segments.forEach((/** @type {any} */ seg, /** @type {number} */ s) => {
        const d = ns.el('div', `tl-seg s-${seg.kind}`);
        d.dataset.s = String(s);
        d.style.left = `${(seg.start / tl.elapsed) * 100}%`;
        d.style.width = `${((seg.end - seg.start) / tl.elapsed) * 100}%`;
        frag.appendChild(d);
      });
      (row.marks ?? []).forEach((/** @type {any} */ m, /** @type {number} */ i) => {
        const d = ns.el('div', `tl-mark m-${m.kind}`);
        d.dataset.m = String(i);
        d.style.left = `${(m.time / tl.elapsed) * 100}%`;
        frag.appendChild(d);
      });
      track.appendChild(frag);
      rows.appendChild(ns.el('div', 'tl-row', undefined, [ns.el('div', 'tl-label', row.label), track]));
    });
    rows.addEventListener('mousemove', (ev) => {
      const t = ev.target instanceof HTMLElement ? ev.target : null;
      const mark = t?.closest('.tl-mark');
      const seg = t?.closest('.tl-seg');
      const track = t?.closest('.tl-track');
      if (mark instanceof HTMLElement && track instanceof HTMLElement) {
        const row = tl.rows[Number(track.dataset.r)];
        const m = row.marks[Number(mark.dataset.m)];
        return ns.showTooltip(ev, [row.label, m.text, `at ${ns.cycles(m.time)} cycles`]);
      }
      if (!(seg instanceof HTMLElement) || !(track instanceof HTMLElement)) return ns.hideTooltip();
      const row = tl.rows[Number(track.dataset.r)];
      ns.showTooltip(ev, [row.label, ...describe(row.segments[Number(seg.dataset.s)])]);
    });
    rows.addEventListener('mouseleave', () => ns.hideTooltip());
    container.appendChild(ns.el('div', 'timeline', undefined, [axis, rows]));
  };
})();
