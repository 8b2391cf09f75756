import type { PageProps } from './page-props';

export function TenantsPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Tenants</h1>
    </section>
  );
}
