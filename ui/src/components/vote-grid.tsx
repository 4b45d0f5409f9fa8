/** One height's votes: a row per validator, a prevote and a precommit column per round, tallies under them. */
import type { JSX } from 'preact';
import { shortHash } from '../format';
import type { GridColumn, Tally, VoteGrid } from '../consensus/grid';
import type { VoteSlot } from '../consensus/votes';
import '../consensus/consensus.css';

function percent(power: number, total: number): string {
  return total === 0 ? '0%' : `${Math.floor((power * 100) / total)}%`;
}

function Cell({ slot, address, column }: { slot: VoteSlot; address: string; column: GridColumn }): JSX.Element {
  const kind = column.kind === 'prevote' ? 'Prevote' : 'Precommit';
  const title = slot.vote === 'block' ? `${kind} for block ${slot.summary.block}…` : slot.vote === 'nil' ? `${kind} for nil` : `no ${column.kind} yet`;
  return (
    <td class={`vote-cell vote-${slot.vote}${column.kind === 'prevote' ? ' round-start' : ''}`} data-testid="vote-cell" data-validator={address} data-round={column.round} data-type={column.kind} data-vote={slot.vote} title={title}>
      {slot.vote === 'block' ? slot.summary.block.slice(0, 6) : slot.vote === 'nil' ? 'nil' : '—'}
    </td>
  );
}

function quorumLabel(kind: GridColumn['kind'], t: Tally): { text: string; tone: string; title: string } {
  if (t.quorum === 'block') return { text: kind === 'prevote' ? 'polka' : 'commit', tone: 'ok', title: `+2/3 for block ${t.topBlock}…` };
  if (t.quorum === 'nil') return { text: '+2/3 nil', tone: 'warn', title: '+2/3 voted nil' };
  if (t.quorum === 'any') return { text: '+2/3 any', tone: 'warn', title: '+2/3 voted, split between values' };
  return { text: 'no +2/3', tone: 'muted', title: 'less than +2/3 of the power has voted' };
}

function TallyCell({ column }: { column: GridColumn }): JSX.Element {
  const t = column.tally;
  const q = quorumLabel(column.kind, t);
  return (
    <td class={`tally${column.kind === 'prevote' ? ' round-start' : ''}`} data-testid="vote-tally" data-round={column.round} data-type={column.kind} data-quorum={t.quorum}>
      <span title={`${t.voted} of ${t.total} voting power`}>{percent(t.voted, t.total)}</span>{' '}
      <span class={`badge badge-${q.tone}`} title={q.title}>
        {q.text}
      </span>
    </td>
  );
}

export function VoteGridTable({ grid, height, currentRound, names, proposer }: { grid: VoteGrid; height: number; currentRound: number; names: Map<string, string>; proposer: string | undefined }): JSX.Element {
  const rounds = grid.columns.filter((c) => c.kind === 'prevote').map((c) => c.round);
  return (
    <div class="overflow-auto">
      <table class="vote-grid" data-testid="vote-grid" data-height={height} data-round={currentRound}>
        <thead>
          <tr>
            <th rowSpan={2}>Validator</th>
            <th rowSpan={2} class="num">
              Power
            </th>
            {rounds.map((r) => (
              <th colSpan={2} class={`round-head round-start${r === currentRound ? ' current' : ''}`} data-round={r}>
                Round {r}
                {r === currentRound ? ' (current)' : ''}
              </th>
            ))}
          </tr>
          <tr>
            {grid.columns.map((c) => (
              <th class={`kind-head${c.kind === 'prevote' ? ' round-start' : ''}`}>{c.kind === 'prevote' ? 'Prevote' : 'Precommit'}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((row) => (
            <tr data-testid="vote-row" data-validator={row.validator.address}>
              <th scope="row" class="who">
                <code title={row.validator.address}>{shortHash(row.validator.address, 6)}</code> {names.get(row.validator.address) ?? ''}
                {row.validator.address === proposer ? (
                  <span class="proposer-tag" title={`proposer of round ${currentRound}`}>
                    proposer
                  </span>
                ) : null}
              </th>
              <td class="num">{row.validator.power.toLocaleString('en-US')}</td>
              {row.cells.map((slot, i) => {
                const column = grid.columns[i];
                return column ? <Cell slot={slot} address={row.validator.address} column={column} /> : null;
              })}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th colSpan={2}>Voted power</th>
            {grid.columns.map((c) => (
              <TallyCell column={c} />
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
