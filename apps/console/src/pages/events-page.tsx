import type { PageProps } from './page-props';

export function EventsPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Events</h1>
    </section>
  );
}
