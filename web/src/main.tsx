import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type ModelInfo } from './api.ts';
import { ItemView } from './views/ItemView.tsx';
import { ModelView } from './views/ModelView.tsx';
import { NewUserView } from './views/NewUserView.tsx';
import { ServiceView } from './views/ServiceView.tsx';
import { UserView } from './views/UserView.tsx';
import './style.css';

type Route = { view: 'user'; id: string | null } | { view: 'item'; id: string | null } | { view: 'new' } | { view: 'model' } | { view: 'service' };

/** `#/user/196`, `#/item/50`, `#/new`, `#/model`, `#/service`: the URL names the view, so every view can be linked and the back button works. */
function parseRoute(hash: string): Route {
  const [, view = '', id] = hash.replace(/^#/, '').split('/');
  const decoded = id ? decodeURIComponent(id) : null;
  if (view === 'item') return { view: 'item', id: decoded };
  if (view === 'new') return { view: 'new' };
  if (view === 'model') return { view: 'model' };
  if (view === 'service') return { view: 'service' };
  return { view: 'user', id: decoded };
}

const TABS: { view: Route['view']; label: string; href: string }[] = [
  { view: 'user', label: 'User', href: '#/user' },
  { view: 'new', label: 'New user', href: '#/new' },
  { view: 'item', label: 'Item', href: '#/item' },
  { view: 'model', label: 'Model', href: '#/model' },
  { view: 'service', label: 'Service', href: '#/service' },
];

function App() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const onHash = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    addEventListener('hashchange', onHash);
    api.model().then(setModel, (e: Error) => setError(e.message));
    return () => removeEventListener('hashchange', onHash);
  }, []);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <a class="brand" href="#/user">
          tastebud <span>explore</span>
        </a>
        <span class="muted small model-tag">{model ? `${model.type} · ${model.items.toLocaleString('en')} items${model.compare ? ` · vs ${model.compare.type}` : ''}` : ''}</span>
        <nav aria-label="views">
          {TABS.map((t) => (
            <a key={t.view} href={t.href} aria-current={route.view === t.view ? 'page' : undefined}>
              {t.label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main">
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {route.view === 'user' && <UserView user={route.id} model={model} />}
        {route.view === 'item' && <ItemView item={route.id} />}
        {route.view === 'new' && <NewUserView />}
        {route.view === 'model' && <ModelView model={model} />}
        {route.view === 'service' && <ServiceView />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
