// @ts-check
// Shared helpers of the profile webview: the namespace, number formatting, element building
// (text only, never HTML: frame and domain names come from user code) and the one tooltip.
(function () {
  'use strict';
  const ns = /** @type {any} */ (window).pvlabProfile = /** @type {any} */ (window).pvlabProfile || {};

  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  /** @param {number} n */
  ns.cycles = (n) => integer.format(n);
  /** @param {number} n */
  ns.number = (n) => decimal.format(n);
  /** @param {number} part @param {number} whole */
  ns.percent = (part, whole) => (whole > 0 ? `${decimal.format((100 * part) / whole)}%` : '–');

  /**
   * Creates an element with classes and text content, and appends children.
   * @param {string} tag @param {string} [className] @param {string} [text] @param {Node[]} [children]
   * @returns {HTMLElement}
   */
  ns.el = (tag, className, text, children) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    for (const c of children ?? []) e.appendChild(c);
    return e;
  };

  /**
   * Shows the tooltip near the pointer with one line per entry.
   * @param {MouseEvent} ev @param {string[]} lines
   */
  ns.showTooltip = (ev, lines) => {
    const tip = /** @type {HTMLElement} */ (document.getElementById('tooltip'));
    tip.replaceChildren(...lines.map((l, i) => ns.el('div', i === 0 ? 'tip-title' : 'tip-line', l)));
    tip.hidden = false;
    const pad = 12;
    const { innerWidth: w, innerHeight: h } = window;
    const r = tip.getBoundingClientRect();
    tip.style.left = `${Math.max(0, ev.clientX + pad + r.width > w ? ev.clientX - pad - r.width : ev.clientX + pad)}px`;
    tip.style.top = `${Math.max(0, ev.clientY + pad + r.height > h ? ev.clientY - pad - r.height : ev.clientY + pad)}px`;
  };

  ns.hideTooltip = () => {
    const tip = /** @type {HTMLElement} */ (document.getElementById('tooltip'));
    tip.hidden = true;
  };
})();
