/**
 * `col AS "key", …` for every column of a pg-core table: a raw SELECT that returns rows
 * keyed as drizzle's `$inferSelect` (camelCase), so a PostgreSQL store answers in the shape
 * its SQLite twin does without listing the columns a second time.
 */
import { getTableColumns, type Table } from 'drizzle-orm';

export function selectList(table: Table, alias = ''): string {
  const prefix = alias ? `${alias}.` : '';
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${prefix}${column.name} AS "${key}"`)
    .join(', ');
}
