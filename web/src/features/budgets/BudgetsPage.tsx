import { useId, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { fieldError, unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { atLeast, useProjects, useRole } from '../../shared/api/tenancy';
import { useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';
import { BudgetBar } from './BudgetBars';
import { useBudgets } from './budgets.queries';

type Budget = Schemas['BudgetDto'];
type ScopeType = Schemas['BudgetScopeDto']['type'];
const AMOUNT = /^\d{1,16}(\.\d{1,12})?$/;
/** The fields of the problem a 400 names that the form shows beside their input. */
const FIELDS = ['/enforce'];

export default function BudgetsPage() {
  const { orgId } = useScope();
  const role = useRole(orgId);
  const budgets = useBudgets(orgId);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['budgets', orgId] });
  const remove = useMutation({
    mutationFn: async (budgetId: string) => unwrap(await api.DELETE('/v1/budgets/{budgetId}', { params: { path: { budgetId } } })),
    onSuccess: refresh,
  });
  const canWrite = atLeast(role, 'member');
  const projects = useProjects(orgId);
  const projectName = (id: string | undefined) => projects.data?.find((p) => p.id === id)?.name ?? id;

  return (
    <>
      <PageHeader
        title="Budgets"
        description="Spend limits per period, with alerts at their thresholds; live spend and a forecast for each."
      />
      {canWrite && (
        <Card title="New budget">
          <BudgetForm orgId={orgId} onDone={refresh} />
        </Card>
      )}
      {remove.isError && <ErrorNotice error={remove.error} />}
      <QueryView query={budgets}>
        {(list) =>
          list.length === 0 ? (
            <Card>
              <p className="muted">No budget yet.</p>
            </Card>
          ) : (
            <Card title="Budgets">
              <ul className="plain-list budgets">
                {list.map((b) => (
                  <li key={b.id} className="budget-item">
                    <BudgetBar budget={b} />
                    <p className="muted small">
                      {b.scope.type === 'organization'
                        ? 'Whole organization'
                        : b.scope.type === 'project'
                          ? `Project ${projectName(b.scope.projectId)}`
                          : b.scope.type === 'tag'
                            ? `Tag ${b.scope.key} = ${b.scope.value}`
                            : `End user ${b.scope.userId}`}{' '}
                      · thresholds {b.thresholds.join(', ')}% · {b.timeZone}
                    </p>
                    {canWrite && (
                      <div className="row-actions">
                        <button
                          type="button"
                          className="btn btn-small"
                          aria-expanded={editing === b.id}
                          onClick={() => setEditing(editing === b.id ? null : b.id)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-danger"
                          onClick={() => window.confirm(`Delete the budget ${b.name}?`) && remove.mutate(b.id)}
                        >
                          Delete
                        </button>
                      </div>
                    )}
                    {editing === b.id && (
                      <BudgetForm
                        orgId={orgId}
                        budget={b}
                        onDone={() => {
                          setEditing(null);
                          void refresh();
                        }}
                      />
                    )}
                  </li>
                ))}
              </ul>
            </Card>
          )
        }
      </QueryView>
    </>
  );
}

function BudgetForm({ orgId, budget, onDone }: { orgId: string; budget?: Budget; onDone: () => void }) {
  const projects = useProjects(orgId);
  const [scopeType, setScopeType] = useState<ScopeType>(budget?.scope.type ?? 'project');
  const [amountError, setAmountError] = useState<string | undefined>();
  const [enforce, setEnforce] = useState(budget?.enforce ?? false);
  // The proxy cannot tell an end user from a call (only their pseudonym is kept), so it cannot enforce their budget.
  const enforceable = scopeType !== 'end_user';
  const save = useMutation({
    mutationFn: async (form: FormData) => {
      const thresholds = String(form.get('thresholds') ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
      const common = {
        name: String(form.get('name')).trim(),
        period: String(form.get('period')) as Budget['period'],
        amount: { amount: String(form.get('amount')).trim(), currency: 'USD' as const },
        ...(thresholds.length ? { thresholds } : {}),
        ...(String(form.get('timeZone') ?? '').trim() ? { timeZone: String(form.get('timeZone')).trim() } : {}),
      };
      if (budget) {
        return unwrap(
          await api.PATCH('/v1/budgets/{budgetId}', {
            params: { path: { budgetId: budget.id } },
            headers: { 'if-match': `"${budget.revision}"` },
            body: { ...common, ...(enforce !== budget.enforce ? { enforce } : {}) },
          }),
        );
      }
      const scope: Schemas['BudgetScopeDto'] =
        scopeType === 'project'
          ? { type: 'project', projectId: String(form.get('projectId')) }
          : scopeType === 'tag'
            ? { type: 'tag', key: String(form.get('tagKey')).trim(), value: String(form.get('tagValue')).trim() }
            : scopeType === 'end_user'
              ? { type: 'end_user', userId: String(form.get('userId')).trim() }
              : { type: 'organization' };
      return unwrap(
        await api.POST('/v1/organizations/{orgId}/budgets', {
          params: { path: { orgId } },
          body: { ...common, scope, enforce: enforceable && enforce },
        }),
      );
    },
    onSuccess: onDone,
  });
  const live = (projects.data ?? []).filter((p) => !p.archivedAt);

  return (
    <form
      className="form-grid"
      aria-label={budget ? `Edit ${budget.name}` : 'New budget'}
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        if (!AMOUNT.test(String(form.get('amount')).trim())) {
          setAmountError('A positive amount like 250 or 99.50.');
          return;
        }
        setAmountError(undefined);
        save.mutate(form, {
          onSuccess: () => {
            if (budget) return;
            (e.target as HTMLFormElement).reset();
            setEnforce(false);
          },
        });
      }}
    >
      <Field label="Name" name="name" required maxLength={100} defaultValue={budget?.name} />
      {!budget && (
        <SelectField
          label="Counts"
          value={scopeType}
          onChange={(e) => setScopeType(e.target.value as ScopeType)}
          options={[
            { value: 'project', label: 'One project' },
            { value: 'organization', label: 'The whole organization' },
            { value: 'tag', label: 'One tag value' },
            { value: 'end_user', label: 'One end user' },
          ]}
        />
      )}
      {!budget && scopeType === 'project' && (
        <SelectField label="Project" name="projectId" options={live.map((p) => ({ value: p.id, label: p.name }))} />
      )}
      {!budget && scopeType === 'tag' && (
        <>
          <Field label="Tag name" name="tagKey" required maxLength={64} placeholder="feature" />
          <Field label="Tag value" name="tagValue" required maxLength={256} placeholder="search" />
        </>
      )}
      {!budget && scopeType === 'end_user' && <Field label="End user id" name="userId" required maxLength={256} />}
      <SelectField
        label="Period"
        name="period"
        defaultValue={budget?.period ?? 'monthly'}
        options={[
          { value: 'daily', label: 'Daily' },
          { value: 'weekly', label: 'Weekly (from Monday)' },
          { value: 'monthly', label: 'Monthly' },
        ]}
      />
      <Field
        label="Amount (USD)"
        name="amount"
        required
        inputMode="decimal"
        defaultValue={budget?.amount.amount.replace(/\.?0+$/, '')}
        error={amountError}
      />
      <Field
        label="Thresholds (%)"
        name="thresholds"
        defaultValue={(budget?.thresholds ?? [50, 80, 100]).join(', ')}
        hint="Whole percents, comma-separated."
      />
      <Field label="Time zone" name="timeZone" defaultValue={budget?.timeZone} placeholder="the organization's (UTC)" />
      <EnforceField
        checked={enforceable && enforce}
        available={enforceable}
        onChange={setEnforce}
        error={fieldError(save.error, '/enforce')}
      />
      <div className="form-actions">
        <button className="btn btn-primary" type="submit" disabled={save.isPending}>
          {budget ? 'Save' : 'Create budget'}
        </button>
      </div>
      {save.isError && <ErrorNotice error={save.error} fields={FIELDS} />}
    </form>
  );
}

/** Whether the proxy refuses the calls the budget covers once it is spent: a checkbox with its hint and error, as `Field` has. */
function EnforceField({
  checked,
  available,
  onChange,
  error,
}: {
  checked: boolean;
  available: boolean;
  onChange: (checked: boolean) => void;
  error?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={checked}
          disabled={!available}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={[`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ')}
          aria-invalid={error ? true : undefined}
        />{' '}
        Block proxied calls when spent
      </label>
      <small id={`${id}-hint`} className="hint">
        {available
          ? 'The proxy (/proxy/…) answers 429 to the calls this budget covers once it is spent. Usage sent with the SDK or POST /v1/usage is still recorded.'
          : 'Not available for end-user budgets.'}
      </small>
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}
