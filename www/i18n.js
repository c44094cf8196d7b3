// The pages' words: one dictionary per language (i18n/*.js), a key per text. Nothing here touches
// the page unless asked (translate), so it is tested directly in Node. English is complete; a text
// missing from another dictionary (an app's own, say) falls back to it.
// `{name}` in a text is replaced by the parameter of that name.

import en from './i18n/en.js';
import fr from './i18n/fr.js';
import de from './i18n/de.js';

/** The dictionaries shipped with the pages. */
export const shipped = { en, fr, de };

const dictionaries = { en: { ...en }, fr: { ...fr }, de: { ...de } };
let language = 'en';

/** Adds a language, or replaces some texts of one (`messages` is a key → text object). */
export function addDictionary(lang, messages) {
  if (typeof lang !== 'string' || !messages || typeof messages !== 'object') return;
  const key = lang.toLowerCase();
  dictionaries[key] = { ...(dictionaries[key] ?? {}), ...messages };
}

/** The languages there is a dictionary for. */
export const languages = () => Object.keys(dictionaries);

/**
 * The language to show: `wanted` (config.json's "language") when there is a dictionary for it,
 * otherwise the first of the browser's languages there is one for (`fr-CA` uses `fr`), else English.
 */
export function chooseLanguage(wanted, preferred = []) {
  for (const tag of [wanted, ...preferred]) {
    if (typeof tag !== 'string' || !tag || tag === 'auto') continue;
    const lower = tag.toLowerCase();
    if (dictionaries[lower]) return lower;
    const base = lower.split('-')[0];
    if (dictionaries[base]) return base;
  }
  return 'en';
}

export function setLanguage(lang) {
  language = dictionaries[lang] ? lang : 'en';
  return language;
}

export const currentLanguage = () => language;

/** The text of `key` in the current language, with `{name}` replaced from `params`. */
export function t(key, params = {}) {
  const text = dictionaries[language]?.[key] ?? dictionaries.en[key];
  if (text === undefined) throw new Error(`no text for "${key}"`);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Whether there is a text for `key`. */
export const has = (key) => key in dictionaries.en || key in (dictionaries[language] ?? {});

/** "a, b and c" in the current language. */
export function list(items) {
  try {
    return new Intl.ListFormat(language, { type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

/**
 * Puts the current language's texts into `root`: `data-i18n="key"` sets the text,
 * `data-i18n-attr="attribute:key;…"` sets attributes.
 */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':');
      el.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
}
