import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alignment, Button, Classes, Icon, Menu, MenuDivider, MenuItem, Navbar, PopoverNext, type IconName } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { useSession } from '../lib/session';
import { displayNameOf, initialsOf } from '../lib/format';

interface NavEntry {
  to: string;
  label: string;
  icon: IconName;
  end?: boolean;
}

const MAIN_NAV: NavEntry[] = [
  { to: '/', label: 'Home', icon: 'home', end: true },
  { to: '/files', label: 'Projects & files', icon: 'folder-close' },
  { to: '/datasets', label: 'Datasets', icon: 'database' },
  { to: '/sql', label: 'SQL', icon: 'console' },
  { to: '/ontologies', label: 'Ontologies', icon: 'graph' },
  { to: '/trash', label: 'Trash', icon: 'trash' },
];

const SETTINGS_NAV: NavEntry[] = [{ to: '/settings/tokens', label: 'Access tokens', icon: 'key' }];

const ADMIN_NAV: NavEntry[] = [
  { to: '/admin/users', label: 'Users', icon: 'person' },
  { to: '/admin/groups', label: 'Groups', icon: 'people' },
  { to: '/admin/oauth-clients', label: 'OAuth clients', icon: 'application' },
  { to: '/admin/audit', label: 'Audit log', icon: 'history' },
];

function NavSection({ title, entries }: { title?: string; entries: NavEntry[] }) {
  return (
    <div className="of-nav-section">
      {title ? <div className="of-nav-title">{title}</div> : null}
      {entries.map((e) => (
        <NavLink key={e.to} to={e.to} end={e.end ?? false} className={({ isActive }) => `of-nav-link${isActive ? ' of-nav-active' : ''}`}>
          <Icon icon={e.icon} size={14} />
          <span>{e.label}</span>
        </NavLink>
      ))}
    </div>
  );
}

function UserMenu() {
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const name = displayNameOf(session.user);
  const signOut = useMutation({
    meta: { action: 'Sign out' },
    mutationFn: (everywhere: boolean) => ok(everywhere ? api.POST('/api/v2/auth/logoutEverywhere') : api.POST('/api/v2/auth/logout')),
    onSuccess: () => {
      api.setCsrfToken(undefined);
      queryClient.clear();
      navigate('/login', { replace: true });
    },
  });
  return (
    <PopoverNext
      placement="bottom-end"
      inheritDarkTheme={false}
      content={
        <Menu>
          <li className="of-user-menu-header">
            <div className="of-user-menu-name">{name}</div>
            <div className={Classes.TEXT_MUTED}>{session.user.email ?? session.user.username}</div>
            <div className={Classes.TEXT_MUTED}>{session.organization.name}</div>
          </li>
          <MenuDivider />
          <MenuItem icon="key" text="Access tokens" onClick={() => navigate('/settings/tokens')} />
          <MenuDivider />
          <MenuItem icon="log-out" text="Sign out" onClick={() => signOut.mutate(false)} data-testid="sign-out" />
          <MenuItem icon="globe-network" text="Sign out everywhere" intent="danger" onClick={() => signOut.mutate(true)} data-testid="sign-out-everywhere" />
        </Menu>
      }
    >
      <Button variant="minimal" className="of-user-button" data-testid="user-menu" aria-label="User menu" endIcon="caret-down">
        <span className="of-user-button-content">
          <span className="of-avatar">{initialsOf(name)}</span>
          <span>{name}</span>
        </span>
      </Button>
    </PopoverNext>
  );
}

/** The frame of every signed-in page: dark navbar, left navigation, content. */
export function AppShell() {
  const session = useSession();
  return (
    <div className="of-shell">
      <Navbar className={`of-navbar ${Classes.DARK}`}>
        <Navbar.Group align={Alignment.START}>
          <NavLink to="/" className="of-brand">
            <img src="/favicon.svg" alt="" width={22} height={22} />
            <span>OpenFoundry</span>
          </NavLink>
          <Navbar.Divider />
          <span className="of-org-name">{session.organization.name}</span>
        </Navbar.Group>
        <Navbar.Group align={Alignment.END}>
          <UserMenu />
        </Navbar.Group>
      </Navbar>
      <div className="of-body">
        <nav className="of-sidenav" aria-label="Main">
          <NavSection entries={MAIN_NAV} />
          <NavSection title="Settings" entries={SETTINGS_NAV} />
          {session.user.organizationAdmin ? <NavSection title="Administration" entries={ADMIN_NAV} /> : null}
        </nav>
        <main className="of-main">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
