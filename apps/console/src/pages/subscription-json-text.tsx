/** JSON as indented text (never markup), or `none`. */
export function JsonText({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <>none</>;
  return <pre class="sub-json">{JSON.stringify(value, null, 2)}</pre>;
}
