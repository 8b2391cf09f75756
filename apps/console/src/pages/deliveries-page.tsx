import type { PageProps } from './page-props';

export function DeliveriesPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Deliveries</h1>
    </section>
  );
}
