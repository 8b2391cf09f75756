import { deliveryFields } from './delivery.schema';
import type { DeliveryView } from './delivery.view';

/** The columns: a delivery's fields, in the order the document lists them. */
const COLUMNS = Object.keys(deliveryFields) as (keyof DeliveryView)[];

/**
 * One RFC 4180 field: quoted when it holds a comma, a quote or a line break; null is empty. Text
 * that a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return; event ids and types come from producers) gets a leading `'`, so opening the export runs
 * nothing (OWASP's advice on CSV injection); numbers are written as they are.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text =
    typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header row and one row per delivery, CRLF line ends (RFC 4180). */
export function deliveriesCsv(deliveries: readonly DeliveryView[]): string {
  const lines = [
    COLUMNS.join(','),
    ...deliveries.map((delivery) => COLUMNS.map((column) => csvField(delivery[column])).join(',')),
  ];
  return lines.map((line) => `${line}\r\n`).join('');
}
