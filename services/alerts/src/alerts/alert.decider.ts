import { type AlertEvent, type AlertResolution, type AlertState, AlertErrorCode } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { AlertError, alertNotFound } from './alert.errors';

type FiredData = Extract<AlertEvent, { type: 'AlertFired' }>['data'];

export type AlertCommand =
  | { type: 'FireAlert'; data: FiredData }
  | { type: 'AcknowledgeAlert'; data: { organizationId: string; actorId: string; at: string } }
  | { type: 'ResolveAlert'; data: { organizationId: string; resolution: AlertResolution; at: string } };

export interface AlertAggregate {
  id: string | null;
  organizationId: string | null;
  state: AlertState | null;
}

const initialState = (): AlertAggregate => ({ id: null, organizationId: null, state: null });

function decide(command: AlertCommand, state: AlertAggregate): AlertEvent[] {
  switch (command.type) {
    case 'FireAlert':
      if (state.id) throw new AlertError(AlertErrorCode.AlreadyFired, `alert ${command.data.alertId} fired before`);
      return [{ type: 'AlertFired', data: command.data }];
    case 'AcknowledgeAlert': {
      const { organizationId, actorId, at } = command.data;
      if (!state.id || state.organizationId !== organizationId) throw alertNotFound();
      if (state.state === 'resolved')
        throw new AlertError(AlertErrorCode.AlreadyResolved, 'the alert is resolved: there is nothing to acknowledge');
      if (state.state === 'acknowledged') return [];
      return [{ type: 'AlertAcknowledged', data: { alertId: state.id, organizationId, acknowledgedBy: actorId, acknowledgedAt: at } }];
    }
    case 'ResolveAlert': {
      const { organizationId, resolution, at } = command.data;
      if (!state.id || state.organizationId !== organizationId) throw alertNotFound();
      if (state.state === 'resolved') return [];
      return [{ type: 'AlertResolved', data: { alertId: state.id, organizationId, resolution, resolvedAt: at } }];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: AlertAggregate, event: AlertEvent): AlertAggregate {
  switch (event.type) {
    case 'AlertFired':
      return { id: event.data.alertId, organizationId: event.data.organizationId, state: 'firing' };
    case 'AlertAcknowledged':
      return { ...state, state: 'acknowledged' };
    case 'AlertResolved':
      return { ...state, state: 'resolved' };
    default:
      return assertUnreachable(event);
  }
}

export const alertDecider: Decider<AlertCommand, AlertEvent, AlertAggregate> = { decide, evolve, initialState };
