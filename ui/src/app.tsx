/** The dashboard's frame: the header with its views and search, and the page the hash names. */
import type { FunctionComponent, JSX } from 'preact';
import { href, useRoute } from './router';
import { SearchBox } from './components/search-box';
import { PageGuard } from './components/page-guard';
import { NetworkPage } from './pages/network';
import { ConsensusPage } from './pages/consensus';
import { ChainPage } from './pages/chain';
import { BlockPage } from './pages/block';
import { TxPage } from './pages/tx';
import { AccountPage } from './pages/account';
import { StakePage } from './pages/stake';
import { GovernancePage } from './pages/governance';
import { PlotsPage } from './pages/plots';
import { TracePage } from './pages/trace';

type Page = FunctionComponent<{ arg: string; query: URLSearchParams }>;

/** The views in the header, in order; the first is the start page. */
const VIEWS: { page: string; title: string; component: Page }[] = [
  { page: 'network', title: 'Network', component: NetworkPage },
  { page: 'consensus', title: 'Consensus', component: ConsensusPage },
  { page: 'chain', title: 'Chain', component: ChainPage },
  { page: 'stake', title: 'Stake', component: StakePage },
  { page: 'governance', title: 'Governance', component: GovernancePage },
  { page: 'plots', title: 'Plots', component: PlotsPage },
  { page: 'trace', title: 'Fault runs', component: TracePage },
];

/** Pages reached by a link or a search, not from the header. */
const DETAIL_PAGES: Record<string, { component: Page; under: string }> = {
  block: { component: BlockPage, under: 'chain' },
  tx: { component: TxPage, under: 'chain' },
  account: { component: AccountPage, under: 'chain' },
};

export function App(): JSX.Element {
  const route = useRoute();
  const view = VIEWS.find((v) => v.page === route.page);
  const detail = DETAIL_PAGES[route.page];
  const current = view?.page ?? detail?.under ?? (route.page === '' ? 'network' : '');
  const Shown: Page | undefined = view?.component ?? detail?.component ?? (route.page === '' ? NetworkPage : undefined);
  return (
    <>
      <header class="top container-fluid">
        <nav>
          <ul>
            <li>
              <strong>cmt</strong>
            </li>
            {VIEWS.map((v) => (
              <li>
                <a href={href(v.page)} data-nav={v.page} aria-current={v.page === current ? 'page' : undefined}>
                  {v.title}
                </a>
              </li>
            ))}
          </ul>
          <ul>
            <li>
              <SearchBox />
            </li>
          </ul>
        </nav>
      </header>
      <main class="container-fluid" data-page={route.page || 'network'}>
        {Shown ? (
          <PageGuard key={`${route.page}/${route.arg}`}>
            <Shown arg={route.arg} query={route.query} />
          </PageGuard>
        ) : (
          <p data-testid="unknown-page">
            No page "{route.page}". <a href={href('network')}>Back to the network</a>
          </p>
        )}
      </main>
    </>
  );
}
