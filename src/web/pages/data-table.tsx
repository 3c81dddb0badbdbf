import type { Child } from 'hono/jsx';

/** One column of a {@link DataTable}. */
export interface Column<Row> {
  /** The heading; also each cell's `data-label`, which the stylesheet shows beside the value on narrow screens. */
  label: string;
  /** Right-aligned figures (`class="num"` on heading and cells). */
  num?: boolean;
  /** Monospaced values (ids, kinds). */
  mono?: boolean;
  /** The cell's content for one row. */
  cell: (row: Row) => Child;
}

/**
 * The dashboard's table: a horizontally scrollable wrapper and a table that stacks into labelled
 * rows on a phone (`table.stack`). `jobId` marks rows that are jobs (`data-job`, which the tests and
 * the client script find them by). Empty `rows` still renders the headings; pages show their own
 * "nothing here" text instead when they prefer.
 */
export function DataTable<Row>(props: { columns: Column<Row>[]; rows: readonly Row[]; jobId?: (row: Row) => string }) {
  const { columns, jobId } = props;
  return (
    <div class="table-wrap">
      <table class="stack">
        <thead>
          <tr>
            {columns.map((c) => (
              <th class={c.num ? 'num' : undefined}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr data-job={jobId ? jobId(row) : undefined}>
              {columns.map((c) => (
                <td data-label={c.label} class={cellClass(c)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cellClass(c: { num?: boolean; mono?: boolean }): string | undefined {
  const classes = [c.num ? 'num' : '', c.mono ? 'mono' : ''].filter(Boolean).join(' ');
  return classes || undefined;
}
