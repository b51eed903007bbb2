import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Icon, NonIdealState, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { fsKeys } from '../lib/filesystem';
import { formatRelative, displayNameOf } from '../lib/format';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { CreateProjectDialog } from '../components/CreateProjectDialog';

/** Where a user lands: the projects with the most recent activity they can see. */
export function HomePage() {
  const session = useSession();
  const [creating, setCreating] = useState(false);
  const recent = useQuery({
    queryKey: fsKeys.recent,
    queryFn: () => ok(api.GET('/api/v2/filesystem/projects/recent', { params: { query: { pageSize: 24 } } })),
  });
  const projects = recent.data?.data ?? [];
  return (
    <div className="of-page">
      <PageHeader
        title={`Welcome, ${session.user.givenName ?? displayNameOf(session.user)}`}
        subtitle={session.organization.name}
        actions={<Button intent="primary" icon="add" text="New project" onClick={() => setCreating(true)} />}
      />
      <h3 className="of-section-title">Recent projects</h3>
      {recent.isPending ? (
        <Spinner />
      ) : projects.length === 0 ? (
        <NonIdealState
          icon="projects"
          title="No projects yet"
          description="Projects hold your folders and data, and decide who can see them."
          action={<Button icon="add" text="Create a project" onClick={() => setCreating(true)} />}
        />
      ) : (
        <div className="of-card-grid" data-testid="recent-projects">
          {projects.map((p) => (
            <Link key={p.rid} to={`/files/${encodeURIComponent(p.rid)}`} className="of-card-link">
              <Card interactive className="of-project-card">
                <div className="of-project-card-title">
                  <Icon icon="projects" className="of-muted" />
                  <span>{p.displayName}</span>
                </div>
                {p.description ? <div className="of-project-card-description">{p.description}</div> : null}
                <div className="of-project-card-meta">
                  {p.path.split('/').filter(Boolean)[0]} · updated {formatRelative(p.updatedTime)}
                </div>
              </Card>
            </Link>
          ))}
        </div>
      )}
      <CreateProjectDialog isOpen={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
