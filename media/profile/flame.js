// @ts-check
// Flame graphs, one per domain: frames as absolutely placed divs (root on top), width
// proportional to total cycles. Frames narrower than half a pixel at the current zoom are not
// drawn (the extension already merged the tiniest into "[N small frames]"). Hover for cycles and
// share, click to zoom into a frame (click the top frame to zoom out), double-click a function
// to open its source.
(function () {
  'use strict';
  const ns = /** @type {any} */ (window).pvlabProfile;
  const ROW = 18;
  /** Below this width a frame has no label at all (never a stub like "[h…"). */
  const LABEL_MIN_PX = 36;
  /** Average width of a character of the 12px frame font, and the frame's padding. */
  const CHAR_PX = 7;
  const PAD_PX = 8;

  /** @param {string} file */
  const basename = (file) => file.split(/[\\/]/).pop() ?? file;

  /**
   * The short form of a frame's name for narrow frames: the hypercall, trap or exit without
   * its bracket (`[hypercall event_channel_op]` → `event_channel_op`), a pvop impl without
   * its table and platform (`cpu.irq_disable [xen]` → `irq_disable`).
   * @param {any} f
   */
  const shortName = (f) => {
    const named = /^\[(?:hypercall|trap|vmexit) (.+)\]$/.exec(f.name);
    if (named) return named[1];
    const pvop = /^(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*) \[[^\]]+\]$/.exec(f.name);
    return pvop ? pvop[1] : f.name;
  };

  /**
   * The label that fits `px` pixels: the name, else its short form, else the short form cut
   * with an ellipsis by CSS when there is room for a few characters, else nothing.
   * @param {any} f @param {number} px
   */
  const labelFor = (f, px) => {
    const room = px - PAD_PX;
    if (px < LABEL_MIN_PX) return '';
    if (f.name.length * CHAR_PX <= room) return f.name;
    return shortName(f);
  };

  /** A pvop impl is a function named like `cpu.irq_disable [xen]`. @param {any} f */
  const kindClass = (f) => (f.kind === 'function' && / \[[^\]]+\]$/.test(f.name) ? 'k-pvop' : `k-${f.kind}`);

  /**
   * Draws one graph into `box` for the zoom window of frame `zoom` (or the whole graph).
   * @param {HTMLElement} box @param {any} graph @param {number | undefined} zoom
   */
  function draw(box, graph, zoom) {
    const z = zoom !== undefined ? graph.frames[zoom] : undefined;
    const x0 = z ? z.x : 0;
    const x1 = z ? z.x + z.total : graph.total;
    const span = x1 - x0;
    const px = box.clientWidth || 1;
    const frag = document.createDocumentFragment();
    graph.frames.forEach((/** @type {any} */ f, /** @type {number} */ i) => {
      const left = Math.max(f.x, x0);
      const right = Math.min(f.x + f.total, x1);
      if (right <= left || span <= 0) return;
      const width = (right - left) / span;
      if (width * px < 0.5) return;
      const d = ns.el('div', `frame ${kindClass(f)}${z && f.depth < z.depth ? ' outside' : ''}`, labelFor(f, width * px));
      d.dataset.i = String(i);
      d.style.left = `${((left - x0) / span) * 100}%`;
      d.style.width = `${width * 100}%`;
      d.style.top = `${f.depth * ROW}px`;
      frag.appendChild(d);
    });
    box.style.height = `${Math.max(1, graph.depth) * ROW}px`;
    box.replaceChildren(frag);
  }

  /**
   * The tooltip lines of a frame.
   * @param {any} view @param {any} graph @param {any} f
   */
  function describe(view, graph, f) {
    const lines = [f.name, `${ns.cycles(f.total)} cycles · ${ns.percent(f.total, graph.total)} of ${graph.name} · ${ns.percent(f.total, view.total)} of the machine`];
    if (f.merged > 1) lines.push(`${f.merged} frames, each under ${ns.number(100 / 5000)}% of ${graph.name}, drawn as one`);
    else lines.push(`self ${ns.cycles(f.self)} cycles · entered ${ns.cycles(f.count)}×`);
    if (f.file >= 0 && view.files[f.file]) lines.push(`${basename(view.files[f.file])}:${f.line}`);
    lines.push(f.depth === 0 ? 'click to zoom out' : `click to zoom${f.file >= 0 ? ' · double-click to open the source' : ''}`);
    return lines;
  }

  /**
   * Renders every domain's flame graph into `container`.
   * @param {HTMLElement} container @param {any} view
   * @param {{ zoom: Record<string, number> }} ui @param {(msg: unknown) => void} post @param {() => void} save
   * @returns {() => void} redraw (for resizes)
   */
  ns.renderFlames = (container, view, ui, post, save) => {
    /** @type {(() => void)[]} */
    const redraws = [];
    if (view.flames.length === 0) container.appendChild(ns.el('p', 'note', 'No domain ran in this profile.'));
    for (const graph of view.flames) {
      const key = String(graph.domain);
      const reset = /** @type {HTMLButtonElement} */ (ns.el('button', 'reset', 'Reset zoom'));
      const heading = ns.el('h3', 'flame-title', graph.name, [
        ns.el('span', 'muted', ` ${graph.mode} · ${ns.cycles(graph.total)} cycles · ${ns.percent(graph.total, view.total)} of the machine`),
        reset,
      ]);
      const box = ns.el('div', 'flame-graph');
      box.dataset.domain = key;
      box.setAttribute('role', 'img');
      box.setAttribute('aria-label', `Flame graph of ${graph.name}`);
      container.appendChild(ns.el('section', 'flame-section', undefined, [heading, box]));
      const redraw = () => {
        const zoom = ui.zoom[key];
        reset.hidden = zoom === undefined;
        draw(box, graph, zoom !== undefined && graph.frames[zoom] ? zoom : undefined);
      };
      const zoomTo = (/** @type {number | undefined} */ i) => {
        if (i === undefined || graph.frames[i].depth === 0) delete ui.zoom[key];
        else ui.zoom[key] = i;
        redraw();
        save();
      };
      /** @param {Event} ev */
      const frameOf = (ev) => {
        const t = /** @type {HTMLElement | null} */ (ev.target instanceof HTMLElement ? ev.target.closest('.frame') : null);
        return t?.dataset.i !== undefined ? Number(t.dataset.i) : undefined;
      };
      box.addEventListener('mousemove', (ev) => {
        const i = frameOf(ev);
        if (i === undefined) ns.hideTooltip();
        else ns.showTooltip(ev, describe(view, graph, graph.frames[i]));
      });
      box.addEventListener('mouseleave', () => ns.hideTooltip());
      box.addEventListener('click', (ev) => {
        const i = frameOf(ev);
        if (i !== undefined) zoomTo(ui.zoom[key] === i ? undefined : i);
      });
      box.addEventListener('dblclick', (ev) => {
        const i = frameOf(ev);
        const f = i === undefined ? undefined : graph.frames[i];
        if (f && f.file >= 0 && f.line > 0) post({ type: 'openSource', file: f.file, line: f.line });
      });
      reset.addEventListener('click', () => zoomTo(undefined));
      redraws.push(redraw);
    }
    return () => redraws.forEach((r) => r());
  };
})();
