import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BlueprintProvider } from '@blueprintjs/core';
import '@blueprintjs/core/lib/css/blueprint.css';
import './styles.css';
import { isClientError, isOpenFoundryError } from './lib/api';
import { AppToaster, showError } from './lib/toaster';
import { SESSION_KEY } from './lib/session';
import { AppRouter } from './routes';

declare module '@tanstack/react-query' {
  interface Register {
    queryMeta: { silent?: boolean };
    mutationMeta: { action?: string; silent?: boolean };
  }
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError(error, query) {
      // An expired session anywhere sends the user back to sign in (RequireSession reacts).
      if (isOpenFoundryError(error) && error.status === 401 && query.queryKey[0] !== SESSION_KEY[0]) {
        void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
        return;
      }
      if (!query.meta?.silent) showError(error);
    },
  }),
  mutationCache: new MutationCache({
    onError(error, _variables, _context, mutation) {
      if (isOpenFoundryError(error) && error.status === 401) void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      if (!mutation.meta?.silent) showError(error, mutation.meta?.action);
    },
  }),
  defaultOptions: {
    queries: {
      retry: (count, error) => !isClientError(error) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BlueprintProvider>
        <AppToaster />
        <AppRouter />
      </BlueprintProvider>
    </QueryClientProvider>
  </StrictMode>,
);
