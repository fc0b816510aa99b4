import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { Schemas } from '../../shared/api/schema';
import { formatCount, formatMoney, percentOf, sumMoney } from '../../shared/money';
import { Card, QueryView } from '../../shared/ui/ui';

/** The few largest rows of a breakdown, with their share of what the list shows. */
export function TopList({
  title,
  query,
  keyLabel,
  nullLabel = '(none)',
  empty = 'Nothing this month.',
  actions,
}: {
  title: string;
  query: UseQueryResult<Schemas['CostBreakdownDto']>;
  keyLabel: string;
  nullLabel?: string;
  empty?: string;
  actions?: ReactNode;
}) {
  return (
    <Card title={title} actions={actions}>
      <QueryView query={query}>
        {(data) => {
          if (data.rows.length === 0) return <p className="muted">{empty}</p>;
          const total = sumMoney(data.rows.map((r) => r.cost.amount));
          return (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{keyLabel}</th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row) => (
                  <tr key={row.key ?? ''}>
                    <th scope="row" className="key-cell">
                      <span className="truncate" title={row.key ?? nullLabel}>
                        {row.key ?? nullLabel}
                      </span>
                      <span className="share" aria-hidden="true" style={{ width: `${percentOf(row.cost.amount, total)}%` }} />
                    </th>
                    <td className="num">{formatMoney(row.cost)}</td>
                    <td className="num">{formatCount(row.requests)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryView>
    </Card>
  );
}
