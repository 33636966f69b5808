// Chinese first, English available. Each module registers its own strings; t() falls back to
// Chinese, then to the key itself (a missing string shows, it does not break the page).

const strings = { zh: {}, en: {} };
const localeKey = "oncegate.locale";

export function addStrings(table) {
  for (const lang of Object.keys(strings)) Object.assign(strings[lang], table[lang] ?? {});
}

export function locale() {
  return localStorage.getItem(localeKey) === "en" ? "en" : "zh";
}

export function setLocale(lang) {
  localStorage.setItem(localeKey, lang === "en" ? "en" : "zh");
}

// t("sources.title") or t("audit.found", {count: 3}) with "{count}" in the string.
export function t(key, values = {}) {
  const text = strings[locale()][key] ?? strings.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

// A time the gateway states in UTC (ISO 8601), shown in the browser's local time zone.
export function fmtTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return when.toLocaleString(locale() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}

// A number as the locale writes it; a rate (0..1) as a percentage with one decimal.
export function fmtNumber(value) {
  return new Intl.NumberFormat(locale() === "en" ? "en-GB" : "zh-CN").format(value);
}

export function fmtRate(rate) {
  return (Math.round(rate * 1000) / 10).toFixed(1) + "%";
}
