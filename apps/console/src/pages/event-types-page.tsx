import type { PageProps } from './page-props';

export function EventTypesPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Event types</h1>
    </section>
  );
}
