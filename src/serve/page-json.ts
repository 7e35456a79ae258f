import type { RecommendPage } from './engine.ts';

/** Strings written as they are: printable ASCII without a quote or a backslash, nothing to escape. */
const PLAIN = /^[ !#-[\]-~]*$/;

function quote(s: string): string {
  return s.length <= 256 && PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * A recommendation page as JSON, the same text JSON.stringify writes (same keys, same order,
 * non-finite scores as null) at about a third of its cost: ids, scores and sources are
 * concatenated, only a `reason` goes through JSON.stringify. Every GET /v1/recommend answers
 * with one.
 */
export function pageJson(page: RecommendPage): string {
  let out = '{"items":[';
  const items = page.items;
  for (let i = 0; i < items.length; i++) {
    const r = items[i];
    if (i > 0) out += ',';
    out += `{"item":${quote(r.item)},"score":${Number.isFinite(r.score) ? r.score : 'null'},"source":${quote(r.source)}`;
    if (r.reason !== undefined) out += `,"reason":${JSON.stringify(r.reason)}`;
    out += '}';
  }
  return `${out}],"recommId":${quote(page.recommId)},"modelVersion":${quote(page.modelVersion)}}`;
}
