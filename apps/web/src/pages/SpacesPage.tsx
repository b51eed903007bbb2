import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, NonIdealState, Section, SectionCard, Spinner } from '@blueprintjs/core';
import { useChildren, useSpaces, type Space } from '../lib/filesystem';
import { PageHeader } from '../components/PageHeader';
import { ResourceTable } from '../components/ResourceTable';
import { CreateProjectDialog } from '../components/CreateProjectDialog';

function SpaceSection({ space, onNewProject }: { space: Space; onNewProject: () => void }) {
  const projects = useChildren(space.rid);
  return (
    <Section
      className="of-section"
      icon="cube"
      title={<Link to={`/files/${encodeURIComponent(space.rid)}`}>{space.displayName}</Link>}
      subtitle={space.description}
      rightElement={<Button size="small" icon="add" text="New project" onClick={onNewProject} />}
    >
      <SectionCard padded={false}>
        {projects.isPending ? (
          <Spinner size={24} />
        ) : projects.data?.length ? (
          <ResourceTable resources={projects.data} />
        ) : (
          <NonIdealState icon="projects" description="No projects you can see in this space yet." />
        )}
      </SectionCard>
    </Section>
  );
}

/** Spaces and the projects in each that the user can discover. */
export function SpacesPage() {
  const spaces = useSpaces();
  const [creatingIn, setCreatingIn] = useState<string | null>(null);
  return (
    <div className="of-page">
      <PageHeader
        title="Projects & files"
        subtitle="Spaces hold projects; projects are where you work, share and control access."
        actions={<Button intent="primary" icon="add" text="New project" onClick={() => setCreatingIn(spaces.data?.[0]?.rid ?? '')} data-testid="new-project" />}
      />
      {spaces.isPending ? (
        <Spinner />
      ) : (spaces.data?.length ?? 0) === 0 ? (
        <NonIdealState icon="cube" title="No spaces" description="Your organization has no space you can see." />
      ) : (
        spaces.data!.map((s) => <SpaceSection key={s.rid} space={s} onNewProject={() => setCreatingIn(s.rid)} />)
      )}
      <CreateProjectDialog isOpen={creatingIn !== null} spaceRid={creatingIn || undefined} onClose={() => setCreatingIn(null)} />
    </div>
  );
}
