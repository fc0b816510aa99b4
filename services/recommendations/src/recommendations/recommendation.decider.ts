import {
  RecommendationErrorCode,
  type MoneyAmount,
  type RecommendationEvent,
  type RecommendationFindings,
  type RecommendationStatus,
} from '@llmlab/contracts';
import { assertUnreachable, type Decider, Money } from '@llmlab/domain';
import { RecommendationError, recommendationNotFound, recommendationResolved } from './recommendation.errors';

/** How findings move a recommendation (docs/recommendations.md, "Lifecycle"). */
export interface LifecyclePolicy {
  /** Savings that moved by more than this share of the last recorded figure update the recommendation: 0.1. */
  updateShare: number;
  /** A dismissed recommendation reopens only when its savings reach this many times those dismissed: 2. */
  reopenFactor: number;
}

interface Ref {
  recommendationId: string;
  organizationId: string;
  projectId: string;
}

export type RecommendationCommand =
  /** The recommender's finding on this scope at an evaluation; null when the pattern is not there (any more). */
  | { type: 'Evaluate'; data: Ref & { findings: RecommendationFindings | null; at: string; policy: LifecyclePolicy } }
  /** `routeId`: accepted and applied, by the proxy's route of that id (made for it before). */
  | { type: 'Accept'; data: { organizationId: string; actorId: string; at: string; routeId?: string } }
  | { type: 'Dismiss'; data: { organizationId: string; actorId: string; reason: string | null; at: string } };

export interface RecommendationAggregate {
  ref: Ref | null;
  status: RecommendationStatus | null;
  findings: RecommendationFindings | null;
  savingsAtDismissal: MoneyAmount | null;
  /** The proxy route that applies it, once applied. */
  routeId: string | null;
}

const initialState = (): RecommendationAggregate => ({ ref: null, status: null, findings: null, savingsAtDismissal: null, routeId: null });

export const MAX_DISMISS_REASON = 500;

function savings(findings: RecommendationFindings | null): Money | null {
  const amount = findings?.estimatedMonthlySavings?.amount;
  return amount === undefined ? null : new Money(amount);
}

/** Whether new findings say something the recorded ones do not: another change, or money moved past the share. */
function moved(before: RecommendationFindings, after: RecommendationFindings, share: number): boolean {
  if (before.title !== after.title || before.change !== after.change) return true;
  if (before.target?.provider !== after.target?.provider || before.target?.model !== after.target?.model) return true;
  const [was, now] = [savings(before), savings(after)];
  if (was === null || now === null) return was !== now;
  if (was.isZero()) return !now.isZero();
  return now.minus(was).abs().gt(was.abs().times(share));
}

/** A dismissed recommendation comes back only for money grown past the factor of what was dismissed. */
function grewPastDismissal(state: RecommendationAggregate, findings: RecommendationFindings, factor: number): boolean {
  const now = savings(findings);
  if (now === null) return false;
  // Dismissed while its money could not be known: a figure appearing is not growth.
  if (state.savingsAtDismissal === null) return false;
  const dismissed = new Money(state.savingsAtDismissal.amount);
  return dismissed.lte(0) ? now.gt(0) : now.gte(dismissed.times(factor));
}

function decide(command: RecommendationCommand, state: RecommendationAggregate): RecommendationEvent[] {
  switch (command.type) {
    case 'Evaluate': {
      const { findings, at, policy, ...ref } = command.data;
      switch (state.status) {
        case null:
          return findings ? [{ type: 'RecommendationOpened', data: { ...ref, findings, openedAt: at } }] : [];
        case 'open':
          if (!findings) return [{ type: 'RecommendationResolved', data: { ...ref, resolvedAt: at } }];
          return moved(state.findings!, findings, policy.updateShare)
            ? [{ type: 'RecommendationUpdated', data: { ...ref, findings, updatedAt: at } }]
            : [];
        case 'resolved':
          return findings ? [{ type: 'RecommendationReopened', data: { ...ref, findings, reopenedAt: at } }] : [];
        case 'dismissed':
          return findings && grewPastDismissal(state, findings, policy.reopenFactor)
            ? [{ type: 'RecommendationReopened', data: { ...ref, findings, reopenedAt: at } }]
            : [];
        case 'accepted':
          // The change is being made: what it saves is measured from the findings accepted, not re-estimated.
          return [];
        default:
          return assertUnreachable(state.status);
      }
    }
    case 'Accept': {
      const { organizationId, actorId, at, routeId } = command.data;
      const ref = ownRef(state, organizationId);
      if (state.status === 'resolved') throw recommendationResolved();
      const events: RecommendationEvent[] = [];
      if (state.status !== 'accepted') {
        events.push({ type: 'RecommendationAccepted', data: { ...ref, acceptedBy: actorId, acceptedAt: at, findings: state.findings! } });
      }
      if (routeId !== undefined && routeId !== state.routeId) {
        events.push({ type: 'RecommendationApplied', data: { ...ref, routeId, appliedBy: actorId, appliedAt: at } });
      }
      return events;
    }
    case 'Dismiss': {
      const { organizationId, actorId, reason, at } = command.data;
      const ref = ownRef(state, organizationId);
      if (reason !== null && (typeof reason !== 'string' || reason.length > MAX_DISMISS_REASON)) {
        throw new RecommendationError(RecommendationErrorCode.Invalid, `reason: at most ${MAX_DISMISS_REASON} characters`, [
          { field: '/reason', message: `must be a string of at most ${MAX_DISMISS_REASON} characters` },
        ]);
      }
      if (state.status === 'resolved') throw recommendationResolved();
      if (state.status === 'dismissed') return [];
      return [
        {
          type: 'RecommendationDismissed',
          data: {
            ...ref,
            dismissedBy: actorId,
            dismissedAt: at,
            reason,
            savingsAtDismissal: state.findings?.estimatedMonthlySavings ?? null,
          },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function ownRef(state: RecommendationAggregate, organizationId: string): Ref {
  if (!state.ref || state.ref.organizationId !== organizationId) throw recommendationNotFound();
  return state.ref;
}

function refOf(data: Ref): Ref {
  return { recommendationId: data.recommendationId, organizationId: data.organizationId, projectId: data.projectId };
}

function evolve(state: RecommendationAggregate, event: RecommendationEvent): RecommendationAggregate {
  switch (event.type) {
    case 'RecommendationOpened':
      return { ref: refOf(event.data), status: 'open', findings: event.data.findings, savingsAtDismissal: null, routeId: null };
    case 'RecommendationUpdated':
      return { ...state, findings: event.data.findings };
    case 'RecommendationAccepted':
      return { ...state, status: 'accepted', findings: event.data.findings };
    case 'RecommendationApplied':
      return { ...state, routeId: event.data.routeId };
    case 'RecommendationDismissed':
      return { ...state, status: 'dismissed', savingsAtDismissal: event.data.savingsAtDismissal };
    case 'RecommendationReopened':
      return { ...state, status: 'open', findings: event.data.findings, savingsAtDismissal: null };
    case 'RecommendationResolved':
      return { ...state, status: 'resolved' };
    default:
      return assertUnreachable(event);
  }
}

export const recommendationDecider: Decider<RecommendationCommand, RecommendationEvent, RecommendationAggregate> = {
  decide,
  evolve,
  initialState,
};
