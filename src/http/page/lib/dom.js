// @ts-check
/**
 * Building the page's elements. Text goes in as text (textContent), never as HTML: a caller's
 * name is theirs to choose, so nothing the server sends is ever parsed as markup.
 */

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {{ [name: string]: string | number | boolean | null | undefined | ((event: Event) => void) }} Attributes
 */

/**
 * An element: h('button', { class: 'big', onclick: go }, 'Ring me now').
 * Attributes named on* are listeners; true sets a boolean attribute, false/null/undefined leaves it out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** @param {Element} parent @param {(Child | Child[])[]} children */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` holds. @param {Element} parent @param {...(Child | Child[])} children */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** An inline SVG element (the chart). @param {string} tag @param {Record<string, string | number>} attributes @param {...SVGElement} children */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** A short message at the bottom of the screen, read out by screen readers. @param {string} text @param {'ok' | 'error'} [kind] */
export function toast(text, kind = 'ok') {
  const area = document.getElementById('toast');
  if (!area) return;
  const note = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  area.append(note);
  setTimeout(() => note.remove(), kind === 'error' ? 8000 : 4000);
}

/**
 * A modal question with a note field; resolves with the button's value and the note, or null
 * when cancelled.
 * @param {{ title: string, note?: string, buttons: { label: string, value: string, kind?: string }[], cancel: string }} options
 * @returns {Promise<{ value: string, note: string } | null>}
 */
export function ask(options) {
  return new Promise((resolve) => {
    const field = options.note === undefined ? null : h('textarea', { id: 'dialog-note', rows: 2, maxlength: 500, placeholder: options.note });
    const dialog = h('dialog', { class: 'sheet', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, options.title),
      field && h('label', { class: 'note' }, h('span', {}, options.note ?? ''), field),
      h('div', { class: 'sheet-buttons' },
        options.buttons.map((button) => h('button', { type: 'button', class: `big ${button.kind ?? ''}`, 'data-value': button.value, onclick: () => close(button.value) }, button.label)),
        h('button', { type: 'button', class: 'big quiet', onclick: () => close(null) }, options.cancel),
      ),
    );
    /** @param {string | null} value */
    const close = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value === null ? null : { value, note: field?.value.trim() ?? '' });
    };
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
