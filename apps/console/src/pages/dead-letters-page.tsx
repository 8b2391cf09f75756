import type { PageProps } from './page-props';

export function DeadLettersPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Dead letters</h1>
    </section>
  );
}
