import { createBrowserRouter, Outlet, RouterProvider } from 'react-router-dom';
import { RequireSession } from './lib/session';
import { AppShell } from './components/AppShell';
import { LoginPage } from './pages/LoginPage';
import { SetupPage } from './pages/SetupPage';
import { HomePage } from './pages/HomePage';
import { SpacesPage } from './pages/SpacesPage';
import { FolderPage } from './pages/FolderPage';
import { TrashPage } from './pages/TrashPage';
import { DatasetsPage } from './pages/DatasetsPage';
import { DatasetPage } from './pages/dataset/DatasetPage';
import { SqlPage } from './pages/SqlPage';
import { OntologiesPage } from './pages/ontology/OntologiesPage';
import { OntologyPage } from './pages/ontology/OntologyPage';
import { ExplorerPage } from './pages/ontology/ExplorerPage';
import { ObjectTablePage } from './pages/ontology/ObjectTablePage';
import { InterfaceTablePage } from './pages/ontology/InterfaceTablePage';
import { ObjectPage } from './pages/ontology/ObjectPage';
import { TokensPage } from './pages/TokensPage';
import { UsersPage } from './pages/admin/UsersPage';
import { GroupsPage } from './pages/admin/GroupsPage';
import { GroupPage } from './pages/admin/GroupPage';
import { OAuthClientsPage } from './pages/admin/OAuthClientsPage';
import { AuditPage } from './pages/admin/AuditPage';
import { ConsentPage } from './pages/ConsentPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RequireAdmin } from './components/RequireAdmin';

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  { path: '/setup', element: <SetupPage /> },
  {
    path: '/oauth/consent',
    element: (
      <RequireSession>
        <ConsentPage />
      </RequireSession>
    ),
  },
  {
    element: (
      <RequireSession>
        <AppShell />
      </RequireSession>
    ),
    children: [
      { index: true, element: <HomePage /> },
      { path: 'files', element: <SpacesPage /> },
      { path: 'files/:rid', element: <FolderPage /> },
      { path: 'datasets', element: <DatasetsPage /> },
      { path: 'datasets/:rid', element: <DatasetPage /> },
      { path: 'sql', element: <SqlPage /> },
      { path: 'ontologies', element: <OntologiesPage /> },
      { path: 'ontologies/:ontology', element: <OntologyPage /> },
      { path: 'ontologies/:ontology/explore', element: <ExplorerPage /> },
      { path: 'ontologies/:ontology/objects/:objectType', element: <ObjectTablePage /> },
      { path: 'ontologies/:ontology/objects/:objectType/:primaryKey', element: <ObjectPage /> },
      { path: 'ontologies/:ontology/interfaces/:interfaceType', element: <InterfaceTablePage /> },
      { path: 'trash', element: <TrashPage /> },
      { path: 'settings/tokens', element: <TokensPage /> },
      {
        path: 'admin',
        element: (
          <RequireAdmin>
            <Outlet />
          </RequireAdmin>
        ),
        children: [
          { path: 'users', element: <UsersPage /> },
          { path: 'groups', element: <GroupsPage /> },
          { path: 'groups/:groupId', element: <GroupPage /> },
          { path: 'oauth-clients', element: <OAuthClientsPage /> },
          { path: 'audit', element: <AuditPage /> },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
