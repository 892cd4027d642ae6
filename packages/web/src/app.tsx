import { useEffect } from 'preact/hooks';
import { TokenDialog } from './components/TokenDialog';
import { href, matchPath, useRoute } from './lib/router';
import { pages } from './pages/registry';

export function App() {
  const route = useRoute();
  let found: { page: (typeof pages)[number]; params: Record<string, string> } | undefined;
  for (const page of pages) {
    const params = matchPath(page.path, route.path);
    if (params) {
      found = { page, params };
      break;
    }
  }
  const title = found ? found.page.title(found.params) : 'Not found';
  useEffect(() => {
    document.title = `${title} · Verdant`;
  }, [title]);
  const active = found?.page;
  return (
    <>
      <a class="skip" href="#content" onClick={(e) => { e.preventDefault(); document.getElementById('content')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/')}>
          Verdant
        </a>
        <nav aria-label="Main">
          <ul>
            {pages
              .filter((p) => p.nav)
              .map((p) => {
                const current = active === p || active?.section === p.name;
                return (
                  <li key={p.name}>
                    <a href={href(p.path)} aria-current={current ? 'page' : undefined}>
                      {p.nav}
                    </a>
                  </li>
                );
              })}
          </ul>
        </nav>
      </header>
      <div id="content" tabIndex={-1} class="content">
        {found ? (
          <found.page.component key={`${found.page.name}:${JSON.stringify(found.params)}`} params={found.params} route={route} />
        ) : (
          <main data-page="not-found" data-ready="true">
            <h1>Not found</h1>
            <p>
              No page at <code>{route.path}</code>. <a href={href('/')}>Back to the overview</a>.
            </p>
          </main>
        )}
      </div>
      <TokenDialog />
    </>
  );
}
