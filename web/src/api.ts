/** The service's public API, typed for the page. Every call is a relative URL: the page talks only to the service that served it. */

export interface Reason {
  method: string;
  items: { item: string; weight: number }[];
}
export interface Served {
  item: string;
  score: number;
  source: 'model' | 'fallback';
  reason?: Reason;
}
export interface Page {
  items: Served[];
  recommId: string;
  modelVersion: string;
}
export type Properties = Record<string, unknown>;
export interface ItemSummary {
  id: string;
  title: string | null;
  properties: Properties;
  popularity: number;
}
export interface HistoryEntry {
  item: string;
  title: string | null;
  properties: Properties;
  type: string;
  value: number | null;
  timestamp: number | null;
  inTraining: boolean;
}
export interface History {
  user: string;
  known: boolean;
  total: number;
  items: HistoryEntry[];
}
export interface ItemUsers {
  item: string;
  title: string | null;
  properties: Properties;
  popularity: number;
  popularityRank: number;
  users: { user: string; value: number | null; timestamp: number | null }[];
}
/** A value that was not a finite number (diverged training) comes as "NaN", "Infinity" or "-Infinity". */
export interface EpochRecord {
  epoch: number;
  loss: number | string;
  seconds: number;
  validation?: number | string;
}
export interface ModelInfo {
  type: string;
  version: string;
  status: string;
  users: number;
  items: number;
  config: Record<string, unknown>;
  trainingData: { source: string | null; split: string | null; positiveThreshold: number | null; users: number; items: number; interactions: number } | null;
  history: { epochs: EpochRecord[]; metric: string | null; bestEpoch: number; stoppedEarly: boolean; seconds: number } | null;
  metrics: Record<string, unknown>;
  baseline: { name: string; metrics: Record<string, number> } | null;
  report: string | null;
  findings: { level: string; code: string; message: string }[];
  catalogue: string | null;
  itemFields: { name: string; values: string[] }[];
  compare: { type: string; version: string; config: Record<string, unknown>; metrics: Record<string, unknown> } | null;
}
export interface ItemMap {
  field: string | null;
  explained: number[];
  points: { item: string; x: number; y: number; category: string | null }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = ((await response.json()) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

const query = (params: Record<string, string | number | boolean | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
};

export interface RecommendParams {
  user: string;
  k?: number;
  filter?: string;
  excludeSeen?: boolean;
  explain?: boolean;
}

/** `/v1/status`'s retraining part (present when the service can retrain). */
export interface Retraining {
  metric: string;
  schedule: string | null;
  nextRun: string | null;
  running: { id: string; phase: string; fraction: number } | null;
  history: { time: string; action: string; metric: string; before: number | null; after: number | null; swapped: boolean; reason: string; version: string }[];
}

export const api = {
  users: (q: string, limit = 12) => call<{ users: { id: string; interactions: number }[]; total: number }>(`/v1/users?${query({ query: q, limit })}`),
  history: (user: string, limit = 200) => call<History>(`/v1/users/${encodeURIComponent(user)}/history?${query({ limit })}`),
  items: (q: string, limit = 12, ids?: string[]) => call<{ items: ItemSummary[]; total: number }>(`/v1/items?${query({ query: q, limit, ids: ids?.join(',') })}`),
  item: (id: string) => call<{ id: string; properties: Properties }>(`/v1/items/${encodeURIComponent(id)}`),
  itemUsers: (id: string, limit = 30) => call<ItemUsers>(`/v1/items/${encodeURIComponent(id)}/users?${query({ limit })}`),
  similar: (id: string, k = 10) => call<{ item: string; items: Served[] }>(`/v1/items/${encodeURIComponent(id)}/similar?${query({ k })}`),
  recommend: (p: RecommendParams) => call<Page>(`/v1/recommend?${query({ ...p })}`),
  compare: (p: RecommendParams) => call<Page>(`/v1/compare/recommend?${query({ ...p })}`),
  recommendHistory: (history: { item: string }[], k = 10) =>
    call<Page>('/v1/recommend', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ history, k, explain: true }) }),
  model: () => call<ModelInfo>('/v1/model'),
  itemMap: () => call<ItemMap>('/v1/model/item-map'),
  status: () =>
    call<{
      model: { type: string; version: string; users: number; items: number };
      store: Record<string, unknown>;
      uptimeSeconds: number;
      memory: { rssBytes: number };
      retraining?: Retraining;
    }>('/v1/status'),
  metrics: async (): Promise<string> => {
    const response = await fetch('/metrics');
    if (!response.ok) throw new ApiError(response.status, `metrics: ${response.status}`);
    return response.text();
  },
};
